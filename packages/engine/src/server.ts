/**
 * The Engine.IO v4 server (PROTOCOL.md part A), API-compatible with `engine.io`'s `Server`: request
 * verification and the exact error answers of §A9, the handshake over polling or WebSocket, the session
 * registry, the shared heartbeat scheduler, and "prepare once, send to many".
 * Layer: engine.
 */

import { EventEmitter } from "node:events";
import type { Server as HttpServer, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ENGINE_PACKET_CODES, type EngineErrorCode, encodeHandshake } from "@plexus/protocol";
import createDebug from "debug";
import { AddressLimits } from "./address-limits.js";
import { serializeCookie } from "./cookie.js";
import { applyCors } from "./cors.js";
import { EngineStats } from "./engine-stats.js";
import {
  collectRequestExtras,
  createHandshakeRecord,
  type EngineQuery,
  parseQuery,
} from "./handshake-record.js";
import { HeartbeatScheduler } from "./heartbeat-scheduler.js";
import { attachToHttpServer } from "./http-attach.js";
import { abortRequest, ENGINE_ERROR_MESSAGES, ENGINE_ERRORS, type ErrorContext } from "./http-errors.js";
import { OwnedPolling } from "./owned-polling.js";
import { PollingTransport } from "./polling-transport.js";
import { type EngineMessage, PreparedPacket, type PrepareOptions } from "./prepared-packet.js";
import { checkRequest } from "./request-check.js";
import { checkNodeId, nodeOfSessionId, randomNodeId, withNodeId } from "./routing/node-session-id.js";
import { RoutingError, RoutingErrorCodes } from "./routing/routing-error.js";
import { FORWARDED_HEADER, type SessionRouter } from "./routing/session-router.js";
import {
  type AttachOptions,
  type ResolvedServerOptions,
  resolveOptions,
  type ServerOptions,
} from "./server-options.js";
import { randomId } from "./session-id.js";
import { hasListeners, Socket } from "./socket.js";
import type { OutItem, TransportName } from "./transport.js";
import { UpgradeResponse } from "./upgrade-response.js";
import { noteBatchFlushed, scheduleBatchFlush } from "./websocket/flush-timing.js";
import {
  abortHandshake,
  acceptWebSocket,
  CloseCodes,
  validateUpgradeRequest,
  type WebSocketOptions,
} from "./websocket/index.js";
import { WebSocketTransport } from "./websocket-transport.js";

/** Handshakes, refused requests, upgrade requests (`DEBUG=plexus:engine`). */
const debug = createDebug("plexus:engine");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

/** An Express-style middleware run on handshake and upgrade requests (`engine.use`). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * What `engine.use` accepts: any Connect/Express-style middleware, typed against its own request and
 * response types (express-session's `RequestHandler`, helmet, ...), as engine.io's `use(fn: any)` does.
 * It is called with the Node request and response (a stand-in response on upgrades).
 */
export type AnyMiddleware = (req: never, res: never, next: (err?: unknown) => void) => void;

/** Payload of the `connection_error` event. */
export interface ConnectionErrorEvent {
  readonly req: IncomingMessage;
  readonly code: EngineErrorCode;
  readonly message: string;
  readonly context: ErrorContext | undefined;
}

/** The request as the engine sees it: with its parsed query (as engine.io's `req._query`). */
export type EngineRequest = IncomingMessage & { _query?: EngineQuery };

type Reject = (code: EngineErrorCode, context?: ErrorContext) => void;

function ignore(): void {}

function flushPending(server: Server): void {
  noteBatchFlushed();
  const pending = server._pendingFlush;
  server._pendingFlush = [];
  for (const socket of pending) if (socket._flushScheduled) socket.flush();
}

function onHeartbeatExpiry(socket: Socket, lane: number): void {
  socket._onHeartbeat(lane);
}

export class Server extends EventEmitter {
  /** Error codes by name, as `engine.io`'s `Server.errors`. */
  static readonly errors = ENGINE_ERRORS;
  /** Error messages by code, as `engine.io`'s `Server.errorMessages`. */
  static readonly errorMessages = ENGINE_ERROR_MESSAGES;
  /** Resolved options. */
  readonly opts: ResolvedServerOptions;
  /** Open sessions by id. */
  readonly clients: Record<string, Socket> = Object.create(null);
  clientsCount = 0;
  /** Set by {@link listen}. */
  httpServer?: HttpServer;
  /** @internal */ readonly _scheduler: HeartbeatScheduler<Socket>;
  /** @internal */ _pendingFlush: Socket[] = [];
  /** @internal The counters of {@link enableStats}; `null` while nothing asked for them. */
  _stats: EngineStats | null = null;
  /** @internal Polling connections held off `node:http` (option `pollingTakeover`, owned-polling.ts). */
  readonly _owned: OwnedPolling = new OwnedPolling(this);
  /** Middlewares the engine installs itself (CORS), which owned connections apply on their own. */
  private readonly builtinMiddlewares: number;
  private readonly middlewares: Middleware[] = [];
  private readonly wsOptions: WebSocketOptions;
  /** Flood control per remote address; `null` (no cost) unless one of its options is set. */
  private readonly limits: AddressLimits | null;
  /** @internal The session router (option `sessionRouter`, {@link setSessionRouter}); `null`: none. */
  _router: SessionRouter | null = null;
  private _nodeId: string;
  private readonly explicitNodeId: boolean;

  constructor(opts: ServerOptions = {}) {
    super();
    this.opts = resolveOptions(opts);
    const o = this.opts;
    this.explicitNodeId = opts.nodeId !== undefined;
    this._nodeId = opts.nodeId === undefined ? randomNodeId() : checkNodeId(opts.nodeId);
    if (opts.sessionRouter !== undefined) this.setSessionRouter(opts.sessionRouter);
    this._scheduler = new HeartbeatScheduler<Socket>(
      [o.pingInterval, o.pingTimeout, o.pingInterval + o.pingTimeout],
      onHeartbeatExpiry,
    );
    this.wsOptions = { maxPayload: o.maxHttpBufferSize, perMessageDeflate: o.perMessageDeflate };
    this.limits =
      o.maxHandshakesPerSecondPerAddress > 0 || o.maxSessionsPerAddress > 0
        ? new AddressLimits(o.maxHandshakesPerSecondPerAddress, o.maxSessionsPerAddress)
        : null;
    const cors = o.cors;
    if (cors !== null) this.use((req, res, next) => applyCors(cors, req, res, next));
    // A CORS origin function may answer later: such requests stay on node:http.
    this.builtinMiddlewares = cors === null ? 0 : typeof cors.origin === "function" ? -1 : 1;
  }

  /**
   * Adds an Express-style middleware, run on every HTTP request of the engine and on upgrades.
   * @example engine.use(session({ secret: "changeit", resave: false, saveUninitialized: true }));
   */
  use(fn: Middleware): void;
  use(fn: AnyMiddleware): void;
  use(fn: Middleware | AnyMiddleware): void {
    this.middlewares.push(fn as Middleware);
  }

  /** Transports a session on `transport` may upgrade to. */
  upgrades(transport: TransportName): TransportName[] {
    if (!this.opts.allowUpgrades || transport !== "polling") return [];
    return this.opts.transports.includes("websocket") ? ["websocket"] : [];
  }

  /**
   * Session id for a new client: 20 random base64url characters, followed by `.` and {@link nodeId} while
   * a session router is set. Override it (it may return a Promise); an override's ids are routed only if
   * they end with `.` + `engine.nodeId` as well.
   */
  generateId(_req: IncomingMessage): string | PromiseLike<string> {
    return this._router === null ? randomId() : withNodeId(randomId(), this._nodeId);
  }

  /** This node's id: the owner part of the session ids it issues while a session router is set. */
  get nodeId(): string {
    return this._nodeId;
  }

  /**
   * Routes requests for sessions owned by other nodes through `router` from now on (the `sessionRouter`
   * option does the same at construction). Sessions opened before carry no node id and stay local.
   * Throws a `RoutingError` if the router names a node id other than an explicit `nodeId` option, or
   * a router is already set.
   */
  setSessionRouter(router: SessionRouter): void {
    if (this._router !== null) {
      throw new RoutingError(RoutingErrorCodes.ALREADY_ATTACHED, "this engine already has a session router");
    }
    const id = router.nodeId;
    if (id !== undefined && id !== this._nodeId) {
      if (this.explicitNodeId) {
        throw new RoutingError(
          RoutingErrorCodes.NODE_ID_MISMATCH,
          `the router's node id ${id} is not the engine's nodeId ${this._nodeId}`,
        );
      }
      this._nodeId = checkNodeId(id);
    }
    router.attach(this);
    this._router = router;
  }

  /**
   * Prepares messages once for many sessions ("prepare once, send to many", issue 3); pass the result to
   * {@link Socket.sendPrepared} of each recipient.
   */
  prepare(messages: readonly EngineMessage[], options?: PrepareOptions): PreparedPacket {
    return new PreparedPacket(messages, options);
  }

  /**
   * Counters for metrics exporters (`@plexus/metrics`): messages and bytes each way, broadcast deliveries,
   * volatile drops, sessions opened and closed by reason, refused requests by code. `null` until
   * {@link enableStats}: while it is, the engine counts nothing.
   */
  get stats(): EngineStats | null {
    return this._stats;
  }

  /** Starts counting (once; later calls return the same counters). */
  enableStats(): EngineStats {
    this._stats ??= new EngineStats();
    return this._stats;
  }

  /** Closes every session ("forced close"). */
  close(): this {
    if (DEBUG) debug("closing every session");
    this._owned.closing = true;
    this._router?.close();
    for (const id in this.clients) {
      const socket = this.clients[id]!;
      // RFC 6455 §7.4.1: 1001 "going away" is a server going down (the close reason stays "forced close").
      socket._setCloseCode(CloseCodes.GOING_AWAY, "");
      socket.close(true);
    }
    this._owned.close(false);
    this.limits?.stop();
    return this;
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  /** Handles an Engine.IO HTTP request (polling, handshake, CORS preflight). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const r = req as EngineRequest;
    let query = r._query;
    if (query === undefined) {
      query = parseQuery(r.url);
      // Hot path of every poll: no middleware, no closure, and the parsed query is not stored on the
      // request (a held GET would otherwise keep it, and a property added to Node's object, for the whole
      // poll: DESIGN.md principle 1). Whoever can see the request (middlewares, `headers` hooks,
      // `connection_error`, the handshake) still finds `req._query`, as with engine.io.
      if (this.middlewares.length > 0 || query.sid === undefined) r._query = query;
    }
    // Another node's session (README "No sticky sessions"): one property read when no router is set.
    if (this._router !== null && query.sid !== undefined && this.routeRequest(r, res, query.sid)) return;
    if (this.middlewares.length === 0) {
      this.onHttpRequest(r, res, query);
      return;
    }
    this.applyMiddlewares(r, res, (err) => {
      if (err !== undefined && err !== null) {
        this.rejectRequest(r, res, ENGINE_ERRORS.BAD_REQUEST, { name: "MIDDLEWARE_FAILURE" });
      } else {
        this.onHttpRequest(r, res, query);
      }
    });
  }

  /** The node a request must be forwarded to, `null` when it is served (or refused) here. */
  private ownerElsewhere(req: IncomingMessage, sid: string): string | null {
    if (this.clients[sid] !== undefined || req.headers[FORWARDED_HEADER] !== undefined) return null;
    const node = nodeOfSessionId(sid);
    return node === null || node === this._nodeId ? null : node;
  }

  private routeRequest(req: EngineRequest, res: ServerResponse, sid: string): boolean {
    const node = this.ownerElsewhere(req, sid);
    if (node === null) return false;
    this._router!.forwardRequest(node, req, res, (error) =>
      this.rejectRequest(req, res, ENGINE_ERRORS.UNKNOWN_SID, { sid, error }),
    );
    return true;
  }

  private routeUpgrade(
    req: EngineRequest,
    sid: string,
    socket: Duplex,
    head: Buffer,
    reject: Reject,
  ): boolean {
    const node = this.ownerElsewhere(req, sid);
    if (node === null) return false;
    this._router!.forwardUpgrade(node, req, socket, head, (error) =>
      reject(ENGINE_ERRORS.UNKNOWN_SID, { sid, error }),
    );
    return true;
  }

  private rejectRequest(
    req: EngineRequest,
    res: ServerResponse,
    code: EngineErrorCode,
    context?: ErrorContext,
  ): void {
    if (DEBUG) debug("%s %s refused: %s", req.method, req.url, ENGINE_ERROR_MESSAGES[code] ?? code);
    req._query ??= parseQuery(req.url);
    this.emitError(req, code, context);
    abortRequest(res, code, context);
  }

  private onHttpRequest(req: EngineRequest, res: ServerResponse, query: EngineQuery): void {
    const bad = checkRequest(this.clients, this.opts.transports, req, query, false);
    if (bad !== null) {
      this.rejectRequest(req, res, bad.code, bad.context);
      return;
    }
    const sid = query.sid;
    if (sid !== undefined) {
      (this.clients[sid]!.transport as PollingTransport).onRequest(req, res);
      return;
    }
    const reject: Reject = (code, context) => this.rejectRequest(req, res, code, context);
    this.authorize(req, reject, () =>
      this.handshake("polling", req, query, reject, res, null, undefined, null),
    );
  }

  /** Handles an HTTP Upgrade (WebSocket handshake or upgrade of a polling session). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (DEBUG) debug("upgrade request %s", req.url);
    const r = req as EngineRequest;
    r._query ??= parseQuery(r.url);
    const query = r._query;
    socket.on("error", ignore);
    const res = new UpgradeResponse(socket);
    const reject: Reject = (code, context) => {
      this.emitError(r, code, context);
      abortHandshake(socket, 400, context?.message ? context.message : ENGINE_ERROR_MESSAGES[code]);
    };
    if (
      this._router !== null &&
      query.sid !== undefined &&
      this.routeUpgrade(r, query.sid, socket, head, reject)
    )
      return;
    this.applyMiddlewares(r, res as unknown as ServerResponse, (err) => {
      if (err !== undefined && err !== null)
        return reject(ENGINE_ERRORS.BAD_REQUEST, { name: "MIDDLEWARE_FAILURE" });
      const bad = checkRequest(this.clients, this.opts.transports, r, query, true);
      if (bad !== null) return reject(bad.code, bad.context);
      if (query.sid !== undefined) return this.onUpgrade(r, query, socket, head, res, reject);
      this.authorize(r, reject, () => this.onUpgrade(r, query, socket, head, res, reject));
    });
  }

  private onUpgrade(
    req: EngineRequest,
    query: EngineQuery,
    socket: Duplex,
    head: Buffer,
    res: UpgradeResponse,
    reject: Reject,
  ): void {
    const invalid = validateUpgradeRequest(req);
    if (invalid !== null) {
      abortHandshake(socket, 400, invalid.message);
      return;
    }
    const sid = query.sid;
    if (query.transport !== "websocket") {
      // §A5 quirk kept from engine.io: an upgrade with transport=polling gets 101 then a close.
      this.accept(req, socket, head, new WebSocketTransport(), res, false)?.close();
      return;
    }
    if (sid !== undefined) {
      const client = this.clients[sid];
      const transport = new WebSocketTransport(client?.protocol ?? 4, query.b64 === undefined);
      const conn = this.accept(req, socket, head, transport, res, false);
      if (conn === null) return;
      if (client === undefined || client.readyState === "closed" || client.upgrading || client.upgraded) {
        // §A5: only one WebSocket per session.
        conn.close();
        return;
      }
      client._maybeUpgrade(transport);
      transport.handler = client;
      return;
    }
    this.handshake("websocket", req, query, reject, null, socket, head, res);
  }

  /** Answers 101 and wires the transport as the connection's handler. */
  private accept(
    req: EngineRequest,
    socket: Duplex,
    head: Buffer,
    transport: WebSocketTransport,
    res: UpgradeResponse,
    initial: boolean,
  ): ReturnType<typeof acceptWebSocket> | null {
    // As engine.io: middlewares that set headers when the head is written (on-headers) do it now.
    res.writeHead();
    const headers: OutgoingHttpHeaders = res.headers;
    if (initial && this.listenerCount("initial_headers") > 0) this.emit("initial_headers", headers, req);
    if (this.listenerCount("headers") > 0) this.emit("headers", headers, req);
    const lines: string[] = [];
    for (const name in headers) {
      const value = headers[name];
      if (Array.isArray(value)) for (const v of value) lines.push(`${name}: ${v}`);
      else if (value !== undefined) lines.push(`${name}: ${value}`);
    }
    try {
      const conn = acceptWebSocket(req, socket, head, transport, this.wsOptions, lines);
      transport.conn = conn;
      // The connection now handles the socket's errors itself: without this second listener Node keeps
      // the single function, not an array of two, for the life of the connection (DESIGN.md principle 1).
      socket.removeListener("error", ignore);
      return conn;
    } catch {
      abortHandshake(socket, 400, ENGINE_ERROR_MESSAGES[ENGINE_ERRORS.BAD_REQUEST]);
      return null;
    }
  }

  private applyMiddlewares(req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void): void {
    const list = this.middlewares;
    if (list.length === 0) {
      done();
      return;
    }
    let i = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        done(err);
        return;
      }
      const fn = list[i++];
      if (fn === undefined) {
        done();
        return;
      }
      try {
        fn(req, res, next);
      } catch (e) {
        done(e ?? new Error("middleware failure"));
      }
    };
    next();
  }

  /** `allowRequest` on handshakes: refused → 403 with its message (400 text during upgrades). */
  private authorize(req: IncomingMessage, reject: Reject, ok: () => void): void {
    // Flood control first: it is cheaper than any `allowRequest` and is meant to protect it.
    const refused = this.limits?.admit(req.socket.remoteAddress ?? "");
    if (refused !== undefined && refused !== null) {
      reject(ENGINE_ERRORS.FORBIDDEN, refused);
      return;
    }
    const allow = this.opts.allowRequest;
    if (allow === undefined) {
      ok();
      return;
    }
    allow(req, (message, success) => {
      if (!success) return reject(ENGINE_ERRORS.FORBIDDEN, message ? { message } : {});
      ok();
    });
  }

  /** Opens a session (PROTOCOL.md §A2). */
  private handshake(
    transportName: TransportName,
    req: EngineRequest,
    query: EngineQuery,
    reject: Reject,
    res: ServerResponse | null,
    socket: Duplex | null,
    head: Buffer | undefined,
    upgradeRes: UpgradeResponse | null,
  ): void {
    // Like engine.io, anything but EIO=4 is taken as revision 3 (PROTOCOL.md §A1, §B7).
    const protocol = query.EIO === "4" ? 4 : 3;
    if (protocol === 3 && !this.opts.allowEIO3) {
      reject(ENGINE_ERRORS.UNSUPPORTED_PROTOCOL_VERSION, { protocol });
      return;
    }
    let id: string | PromiseLike<string>;
    try {
      id = this.generateId(req);
    } catch (error) {
      reject(ENGINE_ERRORS.BAD_REQUEST, { name: "ID_GENERATION_ERROR", error });
      return;
    }
    const open = (sid: string): void => {
      if (this.clients[sid] !== undefined) {
        reject(ENGINE_ERRORS.BAD_REQUEST, { name: "ID_GENERATION_ERROR", error: new Error("duplicate id") });
        return;
      }
      if (transportName === "polling") this.openPolling(sid, protocol, req, query, res!);
      else this.openWebSocket(sid, protocol, req, query, socket!, head!, upgradeRes!);
    };
    if (typeof id === "string") open(id);
    else
      Promise.resolve(id).then(
        (sid) => open(String(sid)),
        (error: unknown) => reject(ENGINE_ERRORS.BAD_REQUEST, { name: "ID_GENERATION_ERROR", error }),
      );
  }

  private openPolling(
    sid: string,
    protocol: 3 | 4,
    req: EngineRequest,
    query: EngineQuery,
    res: ServerResponse,
  ): void {
    if (DEBUG) debug("handshake: session %s opened on polling (EIO=%d)", sid, protocol);
    const transport = new PollingTransport(this, sid, protocol, query.b64 === undefined);
    const socket = this.register(sid, protocol, transport, req);
    transport.handler = socket;
    socket._open(this.openPacket(sid, "polling"), this.opts.initialPacket);
    transport.onRequest(req, res, true);
    this.emit("connection", socket);
  }

  private openWebSocket(
    sid: string,
    protocol: 3 | 4,
    req: EngineRequest,
    query: EngineQuery,
    raw: Duplex,
    head: Buffer,
    upgradeRes: UpgradeResponse,
  ): void {
    if (DEBUG) debug("handshake: session %s opened on websocket (EIO=%d)", sid, protocol);
    const transport = new WebSocketTransport(protocol, query.b64 === undefined);
    if (this.accept(req, raw, head, transport, upgradeRes, true) === null) return;
    const socket = this.register(sid, protocol, transport, req);
    transport.handler = socket;
    socket._open(this.openPacket(sid, "websocket"), this.opts.initialPacket);
    this.emit("connection", socket);
  }

  private register(
    sid: string,
    protocol: 3 | 4,
    transport: PollingTransport | WebSocketTransport,
    req: EngineRequest,
  ): Socket {
    const record = createHandshakeRecord(req);
    const socket = new Socket(sid, this, transport, record, protocol, collectRequestExtras(req));
    this.clients[sid] = socket;
    this.clientsCount++;
    this.limits?.opened(record.address);
    if (this._stats !== null) this._stats._opened(transport.name);
    return socket;
  }

  private openPacket(sid: string, transport: TransportName): string {
    const o = this.opts;
    return (
      ENGINE_PACKET_CODES.open +
      encodeHandshake({
        sid,
        upgrades: this.upgrades(transport),
        pingInterval: o.pingInterval,
        pingTimeout: o.pingTimeout,
        maxPayload: o.maxHttpBufferSize,
      })
    );
  }

  private emitError(req: IncomingMessage, code: EngineErrorCode, context: ErrorContext | undefined): void {
    if (this._stats !== null) this._stats._refused(code);
    if (this.listenerCount("connection_error") === 0) return;
    const event: ConnectionErrorEvent = { req, code, message: ENGINE_ERROR_MESSAGES[code], context };
    this.emit("connection_error", event);
  }

  // ---- hooks used by sessions and transports ---------------------------------------------------

  /** @internal `initial_headers` / `headers` hooks and the session cookie of a poll response. */
  _decorateHeaders(headers: OutgoingHttpHeaders, req: EngineRequest, initialSid: string | null): void {
    if (this.listenerCount("headers") > 0 || this.listenerCount("initial_headers") > 0) {
      req._query ??= parseQuery(req.url);
    }
    if (initialSid !== null) {
      const cookie = this.opts.cookie;
      if (cookie !== null) headers["Set-Cookie"] = [serializeCookie(initialSid, cookie)];
      if (this.listenerCount("initial_headers") > 0) this.emit("initial_headers", headers, req);
    }
    if (this.listenerCount("headers") > 0) this.emit("headers", headers, req);
  }

  // ---- owned polling connections (owned-polling.ts) ---------------------------------------------

  /**
   * @internal Whether no middleware or hook expects to see every polling request: no middlewares but the
   * engine's own (static-origin) CORS, no `headers` / `initial_headers` hooks.
   */
  _seesPlainRequestsOnly(): boolean {
    return (
      this.middlewares.length === this.builtinMiddlewares &&
      this.listenerCount("headers") === 0 &&
      this.listenerCount("initial_headers") === 0
    );
  }

  /** Polling connections held off `node:http` right now: a gauge for tests and metrics. */
  get _ownedCount(): number {
    return this._owned.count;
  }

  /** Requests read and served on owned connections so far, without `node:http` (a counter). */
  get _ownedRequests(): number {
    return this._owned.requests;
  }

  /** @internal Ends owned connections (`closeIdleConnections` / `closeAllConnections`, http-attach.ts). */
  _closeOwned(all: boolean): void {
    this._owned.close(all);
  }

  /**
   * @internal Polling sessions with queued packets are flushed at the end of the tick, or of the event-loop
   * iteration on a busy server (flush-timing.ts): what several callbacks of it sent leaves in one response.
   */
  _scheduleFlush(socket: Socket): void {
    if (this._pendingFlush.push(socket) === 1) scheduleBatchFlush(flushPending, this, true);
  }

  /** @internal */
  _removeClient(socket: Socket): void {
    if (this.clients[socket.id] === socket) {
      delete this.clients[socket.id];
      this.clientsCount--;
      this.limits?.closed(socket.handshake.address);
    }
  }

  /** @internal */
  _emitFlush(socket: Socket, queue: readonly OutItem[]): void {
    if (hasListeners(this, "flush")) this.emit("flush", socket, queue);
  }

  /** @internal */
  _emitDrain(socket: Socket): void {
    if (hasListeners(this, "drain")) this.emit("drain", socket);
  }

  // ---- attach ----------------------------------------------------------------------------------

  /** Captures the requests and upgrades of `server` for the engine's path. */
  attach(server: HttpServer, options: AttachOptions = {}): this {
    attachToHttpServer(this, server, options);
    return this;
  }
}

/** Creates an engine attached to `server`. */
export function attach(server: HttpServer, options: ServerOptions = {}): Server {
  const engine = new Server(options);
  engine.attach(server, options);
  return engine;
}
