/**
 * The Node host: long-polling over `node:http`/`node:https`, WebSocket from the `ws` package,
 * binary received as `Buffer` like the official client. The options socket.io-client hands to its Node
 * transports are passed through: `agent`, the TLS options, `rejectUnauthorized` and `protocols`;
 * `autoUnref` unrefs the sockets so an idle connection never keeps the process alive; `withCredentials` keeps
 * a cookie jar per engine connection.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket as NetSocket } from "node:net";
import { WebSocket } from "ws";
import type { BinaryType, HttpCallback, HttpRequest, Platform, WebSocketLike } from "../platform.js";
import type { TransportOptions } from "../transport.js";
import { type CookieJar, cookieHeader, storeCookies } from "./cookie-jar.js";

/** The options of engine.io-client that reach `node:https` / `ws` unchanged. */
const PASSED_THROUGH = [
  "agent",
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "ciphers",
  "rejectUnauthorized",
] as const;

function nodeOptions(opts: TransportOptions): Record<string, unknown> {
  const headers: Record<string, string> = { ...opts.extraHeaders };
  const out: Record<string, unknown> = { headers };
  for (const name of PASSED_THROUGH) if (opts[name] !== undefined) out[name] = opts[name];
  const cookie = opts.withCredentials ? cookieHeader(opts.cookieJar as CookieJar) : undefined;
  if (cookie !== undefined) headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie;
  return out;
}

function request(req: HttpRequest, cb: HttpCallback): () => void {
  let done = false;
  const finish = (err: number | Error | null, body: string, context?: unknown) => {
    if (done) return;
    done = true;
    cb(err, body, context);
  };
  const send = req.url.startsWith("https:") ? httpsRequest : httpRequest;
  const options = nodeOptions(req.opts);
  options.method = req.method;
  if (req.body !== undefined)
    (options.headers as Record<string, string>)["content-type"] = "text/plain;charset=UTF-8";
  const r = send(req.url, options, (res) => {
    if (req.opts.withCredentials) storeCookies(req.opts.cookieJar as CookieJar, res.headers["set-cookie"]);
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      finish(res.statusCode === 200 ? null : (res.statusCode ?? 0), body, res);
    });
    res.on("error", (err) => finish(err, ""));
  });
  if (req.opts.autoUnref) r.on("socket", (socket: NetSocket) => socket.unref());
  if (req.opts.requestTimeout) {
    r.setTimeout(req.opts.requestTimeout, () => {
      finish(new Error("request timeout"), "");
      r.destroy();
    });
  }
  r.on("error", (err) => finish(err, ""));
  r.end(req.body);
  return () => {
    done = true;
    r.destroy();
  };
}

function websocket(url: string, opts: TransportOptions): WebSocketLike {
  const ws = new WebSocket(url, opts.protocols, nodeOptions(opts));
  if (opts.autoUnref) ws.once("open", () => (ws as unknown as { _socket: NetSocket })._socket.unref());
  return ws as unknown as WebSocketLike;
}

/** "arraybuffer" gives a copy of exactly the bytes; anything else a `Buffer` (engine.io-client's "nodebuffer"). */
function binary(bytes: Uint8Array, binaryType: BinaryType): unknown {
  if (binaryType === "arraybuffer") {
    const { buffer, byteOffset, byteLength } = bytes;
    return buffer.slice(byteOffset, byteOffset + byteLength);
  }
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const nodePlatform: Platform = { request, websocket, binary, defaultBinaryType: "nodebuffer" };
