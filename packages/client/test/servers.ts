/**
 * Server factories for the client scenario suite: the same scenarios run against every factory listed in
 * `serverFactories` (the official `socket.io` now, `@plexus/server` once it is usable). Every server listens on
 * 127.0.0.1, port 0 at first, and `restart()` reopens it on the same port with the same setup.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as PlexusServer, type ServerOptions as PlexusServerOptions } from "@plexus/server";
import { Server as SocketIoServer, type ServerOptions as SocketIoServerOptions } from "socket.io";

/** The server API the scenarios use: the Socket.IO server API, which `@plexus/server` implements too. */
export type ScenarioServer = SocketIoServer;

export interface ScenarioOptions {
  readonly connectionStateRecovery?: { readonly maxDisconnectionDuration: number };
  readonly transports?: ("polling" | "websocket")[];
  readonly pingInterval?: number;
  readonly pingTimeout?: number;
  readonly maxHttpBufferSize?: number;
  /** Engine path (default `/socket.io`). */
  readonly path?: string;
  /** CORS of the engine's requests (cross-origin browser tests). */
  readonly cors?: { readonly origin: string; readonly credentials: boolean };
  /** Flip `refuseWebSocket` at any time: WebSocket upgrade requests are then destroyed unanswered. */
  readonly control?: { refuseWebSocket: boolean; onRefused?: () => void };
  /** Answers plain HTTP requests not handled by the engine (static files for browser tests). */
  readonly onRequest?: (
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ) => boolean;
}

export interface TestServer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** The current server instance (replaced by `restart`). */
  readonly io: ScenarioServer;
  /** Stops the server (clients see their transport close). */
  stop(): Promise<void>;
  /** Starts it again on the same port, running the setup again. */
  start(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface ServerFactory {
  readonly name: string;
  /** Whether the server serves the client bundle at `/socket.io/socket.io.js` itself. */
  readonly servesBundle: boolean;
  create(http: HttpServer, opts: ScenarioOptions): ScenarioServer;
}

function socketIoFactory(): ServerFactory {
  return {
    name: "socket.io@4",
    // socket.io would serve its own bundle: the browser tests serve ours from a static handler instead.
    servesBundle: false,
    create(http, opts) {
      const options: Partial<SocketIoServerOptions> = { serveClient: false };
      if (opts.connectionStateRecovery) {
        options.connectionStateRecovery = { ...opts.connectionStateRecovery, skipMiddlewares: true };
      }
      if (opts.transports) options.transports = opts.transports;
      if (opts.pingInterval !== undefined) options.pingInterval = opts.pingInterval;
      if (opts.pingTimeout !== undefined) options.pingTimeout = opts.pingTimeout;
      if (opts.maxHttpBufferSize !== undefined) options.maxHttpBufferSize = opts.maxHttpBufferSize;
      if (opts.path !== undefined) options.path = opts.path;
      if (opts.cors !== undefined) options.cors = opts.cors;
      return new SocketIoServer(http, options);
    },
  };
}

function plexusFactory(): ServerFactory {
  return {
    name: "@plexus/server",
    servesBundle: true,
    create(http, opts) {
      const options: Partial<PlexusServerOptions> = {};
      if (opts.connectionStateRecovery) {
        options.connectionStateRecovery = { ...opts.connectionStateRecovery, skipMiddlewares: true };
      }
      if (opts.transports) options.transports = opts.transports;
      if (opts.pingInterval !== undefined) options.pingInterval = opts.pingInterval;
      if (opts.pingTimeout !== undefined) options.pingTimeout = opts.pingTimeout;
      if (opts.maxHttpBufferSize !== undefined) options.maxHttpBufferSize = opts.maxHttpBufferSize;
      if (opts.path !== undefined) options.path = opts.path;
      if (opts.cors !== undefined) options.cors = opts.cors;
      // The scenarios are written against the Socket.IO server API, which @plexus/server implements.
      return new PlexusServer(http, options) as unknown as ScenarioServer;
    },
  };
}

/**
 * Every server implementation the scenarios run against; `CLIENT_TEST_SERVERS=socket.io` or `=plexus` keeps one.
 */
export const serverFactories: ServerFactory[] = [socketIoFactory(), plexusFactory()].filter((f) => {
  const only = process.env.CLIENT_TEST_SERVERS;
  return only === undefined || only.split(",").some((name) => f.name.includes(name));
});

export async function startServer(
  factory: ServerFactory,
  setup: (io: ScenarioServer) => void,
  opts: ScenarioOptions = {},
): Promise<TestServer> {
  let http: HttpServer | undefined;
  let io: ScenarioServer | undefined;
  let port = 0;
  const start = async () => {
    const server = createServer((req, res) => {
      // The engine took its own requests already; the rest is static files or 404.
      if (opts.onRequest?.(req, res)) return;
      res.writeHead(404).end();
    });
    io = factory.create(server, opts);
    const control = opts.control;
    if (control !== undefined) {
      // Put a gate in front of the engine's upgrade listeners, to refuse WebSocket like a hostile proxy.
      const listeners = server.listeners("upgrade") as ((...args: unknown[]) => void)[];
      server.removeAllListeners("upgrade");
      server.on("upgrade", (req, socket: import("node:stream").Duplex, head) => {
        if (control.refuseWebSocket) {
          socket.destroy();
          control.onRefused?.();
        } else for (const listener of listeners) listener.call(server, req, socket, head);
      });
    }
    setup(io);
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
    http = server;
  };
  const stop = async () => {
    const server = http;
    const current = io;
    http = undefined;
    if (server === undefined || current === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    current.close();
    server.closeAllConnections();
    await closed;
  };
  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get io() {
      return io!;
    },
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    close: stop,
    [Symbol.asyncDispose]: stop,
  };
}
