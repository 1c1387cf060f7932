/**
 * Black-box helpers for the engine tests: a server on 127.0.0.1 port 0, raw HTTP requests, and a raw
 * WebSocket client (`ws`) that queues what it receives. No client of ours is used.
 */
import {
  createServer,
  type Server as HttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions, type Socket } from "@plexus/engine";
import WebSocket from "ws";
import { type Deferred, deferred } from "../../../test-support/deferred.js";

export { type Deferred, deferred };

export interface TestEngine {
  engine: Server;
  http: HttpServer;
  port: number;
  /** URL path with query, e.g. `path("transport=polling&sid=x")` → `/engine.io/?EIO=4&...`. */
  path(query: string, eio?: string | null): string;
  close(): Promise<void>;
}

/** Starts an engine on 127.0.0.1 port 0; with `tls` (key and certificate), on an HTTPS server. */
export async function startEngine(
  options: ServerOptions = {},
  tls?: { key: string; cert: string },
): Promise<TestEngine> {
  const notEngine = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(404);
    res.end("not engine");
  };
  const http =
    tls === undefined
      ? createServer(notEngine)
      : (createHttpsServer(tls, notEngine) as unknown as HttpServer);
  const engine = new Server(options);
  engine.attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  const base = options.path ?? "/engine.io/";
  return {
    engine,
    http,
    port,
    path: (query, eio = "4") => `${base}?${eio === null ? "" : `EIO=${eio}&`}${query}`,
    close: async () => {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: Buffer;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address of the connection (any 127.x.y.z reaches the loopback server). */
  localAddress?: string;
}

/** One raw HTTP request on its own connection; resolves with the whole answer. */
export function raw(port: number, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString("utf8"), bytes });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Polling handshake; returns the sid and the parsed open packet. */
export async function handshake(
  t: TestEngine,
  headers?: Record<string, string>,
): Promise<{ sid: string; open: Record<string, unknown>; res: RawResponse }> {
  const res = await raw(t.port, t.path("transport=polling"), headers ? { headers } : {});
  if (res.status !== 200 || res.body[0] !== "0")
    throw new Error(`handshake failed: ${res.status} ${res.body}`);
  const open = JSON.parse(res.body.slice(1)) as Record<string, unknown>;
  return { sid: open.sid as string, open, res };
}

export function poll(t: TestEngine, sid: string): Promise<RawResponse> {
  return raw(t.port, t.path(`transport=polling&sid=${sid}`));
}

export function post(
  t: TestEngine,
  sid: string,
  body: string,
  headers?: Record<string, string>,
): Promise<RawResponse> {
  return raw(t.port, t.path(`transport=polling&sid=${sid}`), {
    method: "POST",
    body,
    ...(headers ? { headers } : {}),
  });
}

/** Resolves with the next `connection` of the engine. */
export function nextConnection(engine: Server): Promise<Socket> {
  return new Promise((resolve) => engine.once("connection", resolve));
}

export interface WsMessage {
  data: string | Buffer;
  isBinary: boolean;
}

/** A raw WebSocket client whose received messages are awaited in order. */
export class WsClient {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #queue: WsMessage[] = [];
  readonly #waiters: Deferred<WsMessage>[] = [];

  constructor(url: string, options?: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, options);
    const opened = deferred();
    const closed = deferred<{ code: number; reason: string }>();
    this.opened = opened.promise;
    this.closed = closed.promise;
    this.ws.on("open", () => opened.resolve());
    this.ws.on("error", (err) => opened.reject(err));
    this.ws.on("close", (code, reason) => closed.resolve({ code, reason: reason.toString() }));
    this.ws.on("message", (data: Buffer, isBinary: boolean) => {
      const msg = { data: isBinary ? data : data.toString(), isBinary };
      const w = this.#waiters.shift();
      if (w) w.resolve(msg);
      else this.#queue.push(msg);
    });
    this.opened.catch(() => {});
  }

  next(): Promise<WsMessage> {
    const m = this.#queue.shift();
    if (m) return Promise.resolve(m);
    const d = deferred<WsMessage>();
    this.#waiters.push(d);
    return d.promise;
  }

  async nextText(): Promise<string> {
    const m = await this.next();
    if (m.isBinary) throw new Error("expected a text frame");
    return m.data as string;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }
}

export function wsUrl(t: TestEngine, query: string, eio: string | null = "4"): string {
  return `ws://127.0.0.1:${t.port}${t.path(query, eio)}`;
}

/** Upgrade request answered with an error: status and body of the raw answer. */
export function rawUpgrade(port: number, path: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      agent: false,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString(), bytes });
      });
      res.on("error", reject);
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, headers: res.headers, body: "", bytes: Buffer.alloc(0) });
    });
    req.on("error", reject);
    req.end();
  });
}
