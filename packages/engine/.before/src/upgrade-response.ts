/**
 * The response stand-in given to middlewares (CORS, sessions, ...) on upgrade requests, as engine.io
 * does: headers they set are written into the `101`; `end()` refuses the upgrade by destroying the socket.
 * Layer: engine.
 */
import type { Duplex } from "node:stream";
import type { HeaderSink } from "./cors.js";

/** Response stand-in for middlewares on upgrade requests: headers they set go into the `101`. */
export class UpgradeResponse implements HeaderSink {
  readonly headers: Record<string, string> = {};
  statusCode = 200;
  constructor(readonly socket: Duplex) {}
  setHeader(name: string, value: string): this {
    this.headers[name] = String(value);
    return this;
  }
  getHeader(name: string): string | undefined {
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
