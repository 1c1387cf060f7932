/**
 * The Socket.IO v4 server: a drop-in for `socket.io`'s `Server` on top of `@plexus/engine`.
 * Namespaces, the connection handshake of PROTOCOL.md §B3 and the options live here; sockets, rooms
 * and broadcasts in their own files.
 */

import { EventEmitter } from "node:events";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import type { Server as HttpsServer } from "node:https";
import { InMemoryAdapter, type RecoveryOptions } from "@plexus/adapter";
import {
  declareForwardingListener,
  Server as Engine,
  type ServerOptions as EngineOptions,
} from "@plexus/engine";
import {
  DisconnectReasons,
  INVALID_NAMESPACE_MESSAGE,
  type Parser,
  type ParserEncoder,
} from "@plexus/protocol";
import createDebug from "debug";
import type { AdapterFactory } from "./adapter-factory.js";
import { Client } from "./client.js";
import { ClientBundle } from "./client-bundle.js";
import { installClusterRouting } from "./cluster-session-routing.js";
import { ConnectDeadlines } from "./connect-deadlines.js";
import type { EngineConnection } from "./engine-connection.js";
import { MainNamespaceDelegate } from "./main-namespace-delegate.js";
import { Namespace, type ServerReservedEvents } from "./namespace.js";
import { createPacketCodec, type PacketCodec } from "./packet-codec.js";
import { ParentNamespace } from "./parent-namespace.js";
import { ServerError, ServerErrorCodes } from "./server-error.js";
import { ServerStats, type ServerStatsOptions } from "./server-stats.js";
import type { DefaultEventsMap, EventsMap } from "./typed-events.js";

/** Connections, namespaces, CONNECT requests, shutdown (`DEBUG=plexus:server`). */
const debug = createDebug("plexus:server");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

/** Connection state recovery settings (PROTOCOL.md §B5). */
export interface ConnectionStateRecoveryOptions {
  /** How long a disconnected session stays recoverable, in ms. Default 2 minutes. */
  maxDisconnectionDuration?: number;
  /** Skip the connection middlewares when a session is recovered. Default `true`. */
  skipMiddlewares?: boolean;
  /** Plexus: most disconnected sessions kept per namespace (oldest dropped first). Default 100,000. */
  maxSessions?: number;
  /** Plexus: most packets kept per namespace for replay (oldest dropped first). Default 100,000. */
  maxPackets?: number;
}

/** Server options: Socket.IO's own plus every engine option, passed through. */
export interface ServerOptions extends EngineOptions {
  /** Path of the endpoint. Default `/socket.io`. */
  path?: string;
  /** Serve the client bundle at `<path>/socket.io.js`, `.min.js`, `.esm.min.js` and maps. Default `true`. */
  serveClient?: boolean;
  /** Milliseconds a new connection has to join a namespace. Default 45000. */
  connectTimeout?: number;
  /**
   * Adapter class, or function returning an adapter, one instance per namespace. Default: the in-memory
   * adapter. `@plexus/redis-adapter` is the one to scale out with; the official socket.io adapters
   * (`@socket.io/redis-adapter`, `cluster-adapter`, `redis-streams-adapter`, `postgres-adapter`) work too.
   */
  adapter?: AdapterFactory;
  /** Off by default; `{}` turns it on with the defaults. */
  connectionStateRecovery?: ConnectionStateRecoveryOptions;
  /** Remove a dynamic child namespace once its last socket leaves. Default `false`. */
  cleanupEmptyChildNamespaces?: boolean;
  /**
   * The Socket.IO packet codec, as socket.io's option: `{ Encoder, Decoder }` classes, e.g.
   * `require("socket.io-msgpack-parser")` or `msgpackParser` from `@plexus/protocol`. Every client must use
   * the same one. Default: the built-in text + binary-attachment format.
   */
  parser?: Parser;
  /**
   * Plexus flood control: events per second one socket may send (a token bucket per socket holding one
   * second's worth, so bursts up to that many pass). An event over the limit is dropped before any
   * middleware or listener sees it (its ack, if it asked for one, is never called), and the socket emits
   * `error` with a `ServerError` of code `ERR_EVENT_RATE_LIMITED`; the connection stays open. Default 0: off.
   */
  maxEventsPerSecond?: number;
}

/** Servers Socket.IO attaches to: HTTP, HTTPS and HTTP/2 (with `allowHTTP1`) servers all emit `request`/`upgrade`. */
export type AttachableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** Checks whether a dynamic namespace may be created: `next(err, allow)`. */
export type ParentNspNameMatchFn = (
  name: string,
  auth: { [key: string]: unknown },
  next: (err: Error | null, success: boolean) => void,
) => void;

const DEFAULT_CONNECT_TIMEOUT = 45_000;
const DEFAULT_MAX_DISCONNECTION_DURATION = 2 * 60 * 1000;

/**
 * @example
 * import { createServer } from "node:http";
 * import { Server } from "@plexus/server";
 *
 * const httpServer = createServer();
 * const io = new Server(httpServer, { cors: { origin: "*" } });
 * io.on("connection", (socket) => {
 *   socket.emit("hello", "world");
 *   socket.on("chat", (msg) => io.to("room1").emit("chat", msg));
 * });
 * httpServer.listen(3000);
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
  SocketData = any,
> extends MainNamespaceDelegate<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** The main namespace (`/`). */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The engine, once attached. */
  engine!: Engine;
  /** The HTTP server given to (or created by) `attach`. */
  httpServer: HttpServer | undefined;
  /** Options as given (engine options included). */
  readonly opts: ServerOptions;
  /** @internal */ readonly _nsps = new Map<
    string,
    Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >();
  /** @internal */ _adapterFactory: AdapterFactory;
  /** @internal */ readonly _recovery: RecoveryOptions | undefined;
  /** @internal */ readonly _skipMiddlewares: boolean;
  /** @internal */ readonly _cleanupEmptyChildNamespaces: boolean;
  /** @internal Encoder and decoder class of the `parser` option. */
  readonly _codec: PacketCodec;
  /** @internal Events per second per socket, 0 when off (`maxEventsPerSecond`). */
  readonly _eventsPerSecond: number;
  /** @internal The counters of {@link enableStats}; `null` while nothing asked for them. */
  _stats: ServerStats | null = null;
  private readonly parentNsps = new Map<
    ParentNspNameMatchFn,
    ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >();
  private readonly parentNamespacesFromRegExp = new Map<
    RegExp,
    ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >();
  private _path: string;
  private _serveClient: boolean;
  private _connectTimeout: number;
  private deadlines: ConnectDeadlines<Client>;

  constructor(opts?: Partial<ServerOptions>);
  constructor(srv: AttachableServer | number | undefined, opts?: Partial<ServerOptions>);
  constructor(srv?: AttachableServer | number | Partial<ServerOptions>, opts: Partial<ServerOptions> = {}) {
    super();
    if (typeof srv === "object" && srv !== null && typeof (srv as HttpServer).listen !== "function") {
      opts = srv as Partial<ServerOptions>;
      srv = undefined;
    }
    this._path = (opts.path ?? "/socket.io").replace(/\/$/, "");
    this._connectTimeout = opts.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.deadlines = new ConnectDeadlines(this._connectTimeout);
    this._serveClient = opts.serveClient !== false;
    const given = opts.connectionStateRecovery;
    // Defaults filled in, as Socket.IO does: adapters read `io.opts.connectionStateRecovery.maxDisconnectionDuration`.
    const recovery =
      given === undefined
        ? undefined
        : {
            ...given,
            maxDisconnectionDuration: given.maxDisconnectionDuration ?? DEFAULT_MAX_DISCONNECTION_DURATION,
            skipMiddlewares: given.skipMiddlewares !== false,
          };
    this.opts = recovery === undefined ? opts : { ...opts, connectionStateRecovery: recovery };
    this._recovery =
      recovery === undefined
        ? undefined
        : {
            maxDisconnectionDuration: recovery.maxDisconnectionDuration,
            maxSessions: recovery.maxSessions,
            maxPackets: recovery.maxPackets,
          };
    this._skipMiddlewares = recovery?.skipMiddlewares !== false;
    this._cleanupEmptyChildNamespaces = opts.cleanupEmptyChildNamespaces === true;
    this._adapterFactory = opts.adapter ?? InMemoryAdapter;
    this._codec = createPacketCodec(opts.parser);
    const rate = opts.maxEventsPerSecond;
    this._eventsPerSecond = rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : 0;
    this.sockets = this.of("/");
    if (srv !== undefined) this.attach(srv as HttpServer | number);
  }

  /** The packet encoder of the `parser` option (socket.io's `io.encoder`), shared by every namespace. */
  get encoder(): ParserEncoder {
    return this._codec.encoder;
  }

  // ---- configuration (getter/setter pairs, as Socket.IO) ----------------------------------------------

  /** Serving of the client bundle. */
  serveClient(): boolean;
  serveClient(v: boolean): this;
  serveClient(v?: boolean): boolean | this {
    if (v === undefined) return this._serveClient;
    this._serveClient = v;
    return this;
  }

  /** Path of the endpoint, without trailing slash. */
  path(): string;
  path(v: string): this;
  path(v?: string): string | this {
    if (v === undefined) return this._path;
    this._path = v.replace(/\/$/, "");
    return this;
  }

  /** Milliseconds a connection has to join a namespace. */
  connectTimeout(): number;
  connectTimeout(v: number): this;
  connectTimeout(v?: number): number | this {
    if (v === undefined) return this._connectTimeout;
    this._connectTimeout = v;
    this.deadlines.clear();
    this.deadlines = new ConnectDeadlines(v);
    return this;
  }

  /**
   * Adapter class (or function returning an adapter) used by namespaces. Setting it rebuilds every
   * namespace's adapter, as `io.adapter(createAdapter(pubClient, subClient))` after `new Server()` expects.
   */
  adapter(): AdapterFactory;
  adapter(v: AdapterFactory): this;
  adapter(v?: AdapterFactory): AdapterFactory | this {
    if (v === undefined) return this._adapterFactory;
    this._adapterFactory = v;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    if (this.engine !== undefined) installClusterRouting(this.engine, this.sockets.adapter);
    return this;
  }

  // ---- observability --------------------------------------------------------------------------------

  /**
   * Counters for metrics exporters (`@plexus/metrics`), per namespace: connections, disconnections by
   * reason, refused connections, recovery hits and misses. `null` until {@link enableStats}: while it
   * is, nothing is counted. The engine's counters are `io.engine.stats`.
   */
  get stats(): ServerStats | null {
    return this._stats;
  }

  /**
   * Starts counting, here and in the engine (once: later calls return the same counters and ignore
   * their options).
   */
  enableStats(options?: ServerStatsOptions): ServerStats {
    this._stats ??= new ServerStats(options);
    (this.engine as Engine | undefined)?.enableStats();
    return this._stats;
  }

  // ---- attaching ------------------------------------------------------------------------------------

  /** Alias of {@link attach}. */
  listen(srv: AttachableServer | number, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv, opts);
  }

  /** Attaches to an HTTP server, or creates one listening on `port`. */
  attach(srv: AttachableServer | number | string, opts: Partial<ServerOptions> = {}): this {
    if (typeof srv === "function") {
      throw new ServerError(
        ServerErrorCodes.INVALID_ARGUMENT,
        "You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.",
      );
    }
    if (typeof srv === "string" && !Number.isNaN(Number(srv))) srv = Number(srv);
    let http: HttpServer;
    if (typeof srv === "number") {
      http = createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      http.listen(srv);
    } else {
      http = srv as HttpServer;
    }
    const options: ServerOptions = { ...opts, ...this.opts };
    options.path = options.path ?? this._path;
    if (!options.path.endsWith("/") && options.addTrailingSlash !== false) options.path += "/";
    this.engine = new Engine(options);
    this.engine.attach(http, options);
    if (this._serveClient) this.attachServe(http);
    this.httpServer = http;
    this.bind(this.engine);
    return this;
  }

  /** Uses an engine built elsewhere. */
  bind(engine: Engine): this {
    this.engine = engine;
    if (this._stats !== null) engine.enableStats();
    engine.on("connection", (conn: EngineConnection) => this.onconnection(conn));
    // A cluster adapter: requests for another node's session are routed to it (no sticky sessions).
    installClusterRouting(engine, this.sockets.adapter);
    return this;
  }

  private attachServe(http: HttpServer): void {
    const bundle = new ClientBundle(this.opts.cors);
    const listeners = http.listeners("request").slice(0) as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    http.removeAllListeners("request");
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      const url = req.url ?? "";
      if (this._serveClient && url.startsWith(this._path)) {
        const filename = url.slice(this._path.length + 1).split("?")[0]!;
        if (bundle.has(filename)) {
          bundle.serve(filename, req, res);
          return;
        }
      }
      for (const l of listeners) l.call(http, req, res);
    };
    http.on("request", listener);
    // Polls (they carry a sid, never a bundle file name) go straight through to the engine's listener.
    declareForwardingListener(http, listener, listeners);
  }

  private onconnection(conn: EngineConnection): void {
    if (DEBUG) debug("incoming connection with id %s", conn.id);
    const client = new Client(this as unknown as Server, conn);
    this.deadlines.add(client);
    // Socket.IO protocol 4 (v2 clients, `allowEIO3`): the server joins `/` by itself, the client sends no CONNECT for it.
    if (conn.protocol === 3) this._connect(client, "/", {});
  }

  /** @internal The client closed: the connect-deadline queue lets go of it now, not after the delay. */
  _cancelConnectDeadline(client: Client): void {
    this.deadlines.cancel(client);
  }

  // ---- namespaces -----------------------------------------------------------------------------------

  /**
   * The namespace `name`, created on first use; or, for a RegExp or a function, a parent namespace
   * whose children are created when a client connects to a matching name.
   */
  of(
    name: string | RegExp | ParentNspNameMatchFn,
    fn?: (
      socket: Parameters<
        ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["connection"]
      >[0],
    ) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name === "function" || name instanceof RegExp) {
      if (name instanceof RegExp && (name.global || name.sticky)) {
        throw new ServerError(
          ServerErrorCodes.INVALID_ARGUMENT,
          "stateful regular expressions are not supported",
        );
      }
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this);
      if (typeof name === "function") {
        this.parentNsps.set(name, parent);
      } else {
        const regexp = name;
        this.parentNsps.set((nsp, _auth, next) => next(null, regexp.test(nsp)), parent);
        this.parentNamespacesFromRegExp.set(regexp, parent);
      }
      if (fn !== undefined) parent.on("connect", fn as never);
      return parent;
    }
    if (name[0] !== "/") name = `/${name}`;
    let nsp = this._nsps.get(name);
    if (nsp === undefined) {
      for (const [regexp, parent] of this.parentNamespacesFromRegExp) {
        if (regexp.test(name)) return parent.createChild(name);
      }
      nsp = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, name);
      this._registerNamespace(nsp);
    }
    if (fn !== undefined) nsp.on("connect", fn as never);
    return nsp;
  }

  /** @internal */
  _registerNamespace(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    if (DEBUG) debug("namespace %s created", nsp.name);
    this._nsps.set(nsp.name, nsp);
    // `sockets` is unset while the main namespace itself is being created.
    if (nsp.name !== "/" && this.sockets !== undefined) {
      emitReserved(this.sockets, "new_namespace", nsp);
    }
  }

  /**
   * @internal A client sent CONNECT for `name` (PROTOCOL.md §B3): a known namespace, a dynamic one a
   * parent accepts, or `44<nsp>,{"message":"Invalid namespace"}`.
   */
  _connect(client: Client, name: string, auth: Record<string, unknown> | undefined): void {
    if (DEBUG) debug("connection %s: CONNECT to %s", client.id, name);
    const nsp = this._nsps.get(name);
    if (nsp !== undefined) {
      // `auth` stays undefined when the CONNECT had no payload: the socket makes `{}` if it is read.
      nsp._add(client, auth);
      return;
    }
    const given = auth ?? {};
    this.checkNamespace(name, given, (found) => {
      if (found !== undefined) found._add(client, given);
      else {
        if (this._stats !== null) this._stats.invalidNamespaces++;
        client._connectError(name, { message: INVALID_NAMESPACE_MESSAGE });
      }
    });
  }

  private checkNamespace(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined) => void,
  ): void {
    if (this.parentNsps.size === 0) {
      fn(undefined);
      return;
    }
    const entries = [...this.parentNsps];
    const run = (i: number): void => {
      const entry = entries[i];
      if (entry === undefined) {
        fn(undefined);
        return;
      }
      const [match, parent] = entry;
      match(name, auth, (err, allow) => {
        if (err !== null || !allow) {
          run(i + 1);
          return;
        }
        const existing = this._nsps.get(name);
        fn(existing ?? parent.createChild(name));
      });
    };
    run(0);
  }

  // ---- shutdown -------------------------------------------------------------------------------------

  /** Disconnects every socket ("server shutting down"), closes the engine and the HTTP server. */
  async close(fn?: (err?: Error) => void): Promise<void> {
    if (DEBUG) debug("closing the server");
    for (const nsp of this._nsps.values()) {
      for (const socket of [...nsp.sockets.values()]) socket._onclose(DisconnectReasons.SERVER_SHUTTING_DOWN);
    }
    await Promise.allSettled([...this._nsps.values()].map(async (nsp) => nsp.adapter.close()));
    this.deadlines.clear();
    this.engine?.close();
    const http = this.httpServer;
    if (http === undefined) {
      fn?.();
      return;
    }
    await new Promise<void>((resolve) => {
      http.close((err) => {
        fn?.(err);
        resolve();
      });
    });
  }
}

function emitReserved(target: object, ev: string, ...args: unknown[]): void {
  EventEmitter.prototype.emit.call(target, ev, ...args);
}
