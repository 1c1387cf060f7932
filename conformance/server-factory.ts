/**
 * The drop-in proof's one seam: how a scenario gets a server. Each implementation (the official
 * `socket.io` Server and `@plexus/server`) provides a factory; scenarios only use the Socket.IO API.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server, ServerOptions } from "@plexus/server";
import {
  type Socket as ClientSocket,
  io as ioc,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";

/**
 * Builds a Socket.IO server attached to `http`. Typed with Plexus' declarations of the Socket.IO API;
 * the official server is the reference implementation of that same API.
 */
export type ServerFactory = (http: HttpServer, opts: Partial<ServerOptions>) => Server;

export interface Harness {
  io: Server;
  port: number;
  url: string;
  client(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function harness(factory: ServerFactory, opts: Partial<ServerOptions> = {}): Promise<Harness> {
  const http = createServer();
  const io = factory(http, opts);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const clients: ClientSocket[] = [];
  return {
    io,
    port,
    url,
    client(nsp = "/", clientOpts = {}) {
      const c = ioc(`${url}${nsp}`, { forceNew: true, reconnection: false, ...clientOpts });
      clients.push(c);
      return c;
    },
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.disconnect();
      await io.close();
      http.closeAllConnections();
    },
  };
}

/** Resolves with the arguments of the next `event`. */
export function next<T extends unknown[] = unknown[]>(
  emitter: { once(ev: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => {
    emitter.once(event, ((...args: T) => resolve(args)) as never);
  });
}
