/**
 * Test resources: a server on 127.0.0.1 port 0, official clients, raw Engine.IO speakers (HTTP polling
 * and a `ws` WebSocket), deferred promises. No sleeps: everything is awaited on events.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "@plexus/server";
import {
  type Socket as ClientSocket,
  io as ioc,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";
import { RawEngineSocket } from "../../../test-support/raw-engine-socket.js";

export { type Deferred, deferred } from "../../../test-support/deferred.js";

export interface TestServer {
  io: Server;
  http: HttpServer;
  port: number;
  url: string;
  clients: ClientSocket[];
  /** An official socket.io-client socket on `nsp`. */
  client(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const http = createServer();
  const io = new Server(http, opts);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const clients: ClientSocket[] = [];
  const server: TestServer = {
    io,
    http,
    port,
    url,
    clients,
    client(nsp = "/", clientOpts = {}) {
      const socket = ioc(`${url}${nsp}`, { forceNew: true, reconnection: false, ...clientOpts });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await io.close();
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  return server;
}

/** Resolves with the arguments of the next `event` on `emitter`. */
export function next<T extends unknown[] = unknown[]>(
  emitter: { once(ev: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => {
    emitter.once(event, ((...args: T) => resolve(args)) as never);
  });
}

// ---- raw HTTP long-polling ------------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpRequest(
  port: number,
  path: string,
  method = "GET",
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          headers: res.headers,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** A hand-driven Engine.IO v4 polling session. */
export class RawPolling {
  readonly port: number;
  readonly path: string;
  sid = "";

  constructor(port: number, path = "/socket.io/") {
    this.port = port;
    this.path = path;
  }

  /** Opens the session and returns the open packet (`0{...}`). */
  async open(): Promise<string> {
    const res = await httpRequest(this.port, `${this.path}?EIO=4&transport=polling`);
    if (res.status !== 200) throw new Error(`handshake failed: ${res.status} ${res.body}`);
    this.sid = JSON.parse(res.body.slice(1)).sid;
    return res.body;
  }

  /** One long-poll: the records of the answer (split on the record separator). */
  async poll(): Promise<string[]> {
    const res = await httpRequest(this.port, `${this.path}?EIO=4&transport=polling&sid=${this.sid}`);
    if (res.status !== 200) return [`HTTP ${res.status} ${res.body}`];
    return res.body.split("\x1e");
  }

  /** Polls until a record that is not a ping shows up; answers pings. */
  async pollMessages(): Promise<string[]> {
    for (;;) {
      const records = await this.poll();
      const useful = records.filter((r) => r !== "2");
      if (records.includes("2")) await this.send("3");
      if (useful.length > 0) return useful;
    }
  }

  /** POSTs records joined by the record separator. */
  async send(...records: string[]): Promise<HttpAnswer> {
    return httpRequest(
      this.port,
      `${this.path}?EIO=4&transport=polling&sid=${this.sid}`,
      "POST",
      records.join("\x1e"),
      {
        "content-type": "text/plain;charset=UTF-8",
      },
    );
  }
}

// ---- raw WebSocket --------------------------------------------------------------------------------

/** A hand-driven Engine.IO v4 WebSocket session: every frame received is queued for `next()`. */
export { RawEngineSocket as RawWebSocket };

/** Opens a raw WebSocket session, joins `/` and returns it with its socket id. */
export async function rawConnect(port: number, nsp = "/"): Promise<{ raw: RawEngineSocket; sid: string }> {
  const raw = new RawEngineSocket(port);
  await raw.opened();
  raw.send(nsp === "/" ? "40" : `40${nsp},`);
  const reply = (await raw.next()) as string;
  const json = reply.slice(reply.indexOf("{"));
  return { raw, sid: JSON.parse(json).sid };
}
