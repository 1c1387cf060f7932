/**
 * The response stand-in given to middlewares (CORS, sessions, ...) on upgrade requests, as engine.io
 * does: headers they set are written into the `101`; `end()` refuses the upgrade by destroying the socket.
 * `writeHead()` is called once, just before the `101` is written, for middlewares that add their headers
 * when the head goes out (express-session's cookie, through `on-headers`).
 * Layer: engine.
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import type { HeaderSink } from "./cors.js";

/** Response stand-in for middlewares on upgrade requests: headers they set go into the `101`. */
export class UpgradeResponse implements HeaderSink {
  readonly headers: OutgoingHttpHeaders = {};
  statusCode = 200;
  constructor(readonly socket: Duplex) {}
  setHeader(name: string, value: number | string | readonly string[]): this {
    this.headers[name] =
      typeof value === "number" ? String(value) : typeof value === "string" ? value : [...value];
    return this;
  }
  getHeader(name: string): number | string | string[] | undefined {
    return this.headers[name];
  }
  removeHeader(name: string): void {
    delete this.headers[name];
  }
  writeHead(): this {
    return this;
  }
  write(): boolean {
    return true;
  }
  end(): this {
    this.socket.destroy();
    return this;
  }
}
