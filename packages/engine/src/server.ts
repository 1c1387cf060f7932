/**
 * The Engine.IO v4 server (PROTOCOL.md part A), API-compatible with `engine.io`'s `Server`: request
 * verification and the exact error answers of §A9, the handshake over polling or WebSocket, the session
 * registry, the shared heartbeat scheduler, and "prepare once, send to many".
 * Layer: engine.
 */
import { channel } from "node:diagnostics_channel";
import { EventEmitter } from "node:events";
import type { Server as HttpServer, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ENGINE_PACKET_CODES, type EngineErrorCode, encodeHandshake } from "@plexus/protocol";
import { serializeCookie } from "./cookie.js";
import { applyCors, type HeaderSink } from "./cors.js";
import {
  collectRequestExtras,
  createHandshakeRecord,
  type EngineQuery,
  parseQuery,
} from "./handshake-record.js";
import { HeartbeatScheduler } from "./heartbeat-scheduler.js";
import { attachedEngine, attachToHttpServer } from "./http-attach.js";
import { type ContentEncoding, negotiateEncoding } from "./http-compression.js";
import { abortRequest, ENGINE_ERROR_MESSAGES, ENGINE_ERRORS, type ErrorContext } from "./http-errors.js";
import { takeoverSupported } from "./node-http-internals.js";
import {
  BODY_LANE,
  type OwnedConnection,
  type OwnedRequestHead,
  onOwnedTimeout,
} from "./owned-connection.js";
import { PollingTransport } from "./polling-transport.js";
import { type EngineMessage, PreparedPacket, type PrepareOptions } from "./prepared-packet.js";
import { checkRequest } from "./request-check.js";
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
import {
  abortHandshake,
  acceptWebSocket,
  validateUpgradeRequest,
  type WebSocketOptions,
} from "./websocket/index.js";
import { WebSocketTransport } from "./websocket-transport.js";

/** An Express-style middleware run on handshake and upgrade requests (`engine.use`). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

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
  const pending = server._pendingFlush;
  server._pendingFlush = [];
  for (const socket of pending) if (socket._flushScheduled) socket.flush();
}

function onHeartbeatExpiry(socket: Socket, lane: number): void {
  socket._onHeartbeat(lane);
}

function runTakeovers(server: Server): void {
  const pending = server._pendingTakeover;
  server._pendingTakeover = [];
  for (const transport of pending) transport._takeOver();
}

/** Subscribers of these see every request and response: then polls stay on node:http, which publishes them. */
const requestStartChannel = channel("http.server.request.start");
const responseFinishChannel = channel("http.server.response.finish");

/** Node's margin over `keepAliveTimeout` before it ends an idle connection (lib/_http_server.js). */
const KEEP_ALIVE_MARGIN_MS = 1000;
/** Bound of the small caches of CORS lines and negotiated encodings (one entry per distinct header). */
const HEADER_CACHE_SIZE = 256;

/** A request as `checkRequest` reads it, for requests read on owned connections. */
const ownedRequest = { method: "GET", headers: { origin: undefined as string | undefined } };

/** Collects the headers CORS sets, as `Name: value` lines in order. */
class HeaderLines implements HeaderSink {
  readonly names: string[] = [];
  readonly values: string[] = [];
  setHeader(name: string, value: string): void {
    const i = this.names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    if (i === -1) {
      this.names.push(name);
      this.values.push(value);
    } else {
      this.values[i] = value;
    }
  }
  getHeader(name: string): string | undefined {
    const i = this.names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    return i === -1 ? undefined : this.values[i];
  }
  toString(): string {
    let out = "";
    for (let i = 0; i < this.names.length; i++) out += `${this.names[i]}: ${this.values[i]}\r\n`;
    return out;
  }
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
  /** @internal held polls to move onto owned connections at the end of this turn */
  _pendingTakeover: Array<{ _takeOver(): void }> = [];
  /**
   * Polling connections held off `node:http` right now (option `pollingTakeover`): a gauge for tests and
   * metrics.
   */
  _ownedCount = 0;
  /** Requests read and served on owned connections so far, without `node:http` (a counter, as above). */
  _ownedRequests = 0;
  /** @internal set by {@link close}: answers on owned connections end them */
  _ownedClosing = false;
  private ownedTimers: HeartbeatScheduler<OwnedConnection> | null = null;
  private readonly corsCache = new Map<string, string>();
  private readonly encodingCache = new Map<string, ContentEncoding | null>();
  /** Middlewares the engine installs itself (CORS), which owned connections apply on their own. */
  private readonly builtinMiddlewares: number;
  private readonly middlewares: Middleware[] = [];
  private readonly wsOptions: WebSocketOptions;

  constructor(opts: ServerOptions = {}) {
    super();
    this.opts = resolveOptions(opts);
    const o = this.opts;
    this._scheduler = new HeartbeatScheduler<Socket>(
      [o.pingInterval, o.pingTimeout, o.pingInterval + o.pingTimeout],
      onHeartbeatExpiry,
    );
    this.wsOptions = { maxPayload: o.maxHttpBufferSize, perMessageDeflate: o.perMessageDeflate };
    const cors = o.cors;
    if (cors !== null) this.use((req, res, next) => applyCors(cors, req, res, next));
    // A CORS origin function may answer later: such requests stay on node:http.
    this.builtinMiddlewares = cors === null ? 0 : typeof cors.origin === "function" ? -1 : 1;
  }

  /** Adds an Express-style middleware, run on handshake and upgrade requests. */
  use(fn: Middleware): void {
    this.middlewares.push(fn);
  }

  /** Transports a session on `transport` may upgrade to. */
  upgrades(transport: TransportName): TransportName[] {
    if (!this.opts.allowUpgrades || transport !== "polling") return [];
    return this.opts.transports.includes("websocket") ? ["websocket"] : [];
  }

  /** Session id for a new client: 20 random base64url characters. Override it (it may return a Promise). */
  generateId(_req: IncomingMessage): string | PromiseLike<string> {
    return randomId();
  }

  /**
   * Prepares messages once for many sessions ("prepare once, send to many", issue 3); pass the result to
   * {@link Socket.sendPrepared} of each recipient.
   */
  prepare(messages: readonly EngineMessage[], options?: PrepareOptions): PreparedPacket {
    return new PreparedPacket(messages, options);
  }

  /** Closes every session ("forced close"). */
  close(): this {
    this._ownedClosing = true;
    for (const id in this.clients) this.clients[id]!.close(true);
    this._closeOwned(false);
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

  private rejectRequest(
    req: EngineRequest,
    res: ServerResponse,
    code: EngineErrorCode,
    context?: ErrorContext,
  ): void {
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
    const r = req as EngineRequest;
    r._query ??= parseQuery(r.url);
    const query = r._query;
    socket.on("error", ignore);
    const res = new UpgradeResponse(socket);
    const reject: Reject = (code, context) => {
      this.emitError(r, code, context);
      abortHandshake(socket, 400, context?.message ? context.message : ENGINE_ERROR_MESSAGES[code]);
    };
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

  // ---- owned polling connections (owned-connection.ts) -----------------------------------------

  /**
   * @internal Whether polls may be held on owned connections now: the option is on, this Node supports it,
   * and nothing that expects to see every request is installed (middlewares other than the engine's own
   * CORS, `headers` hooks, diagnostics-channel subscribers).
   */
  _mayOwnPolls(): boolean {
    return (
      this.opts.pollingTakeover &&
      takeoverSupported &&
      !this._ownedClosing &&
      this.middlewares.length === this.builtinMiddlewares &&
      this.listenerCount("headers") === 0 &&
      this.listenerCount("initial_headers") === 0 &&
      !requestStartChannel.hasSubscribers &&
      !responseFinishChannel.hasSubscribers
    );
  }

  /**
   * @internal A poll is held on node:http, or a POST's answer is due there: take its connection over once
   * Node is done with the request (in the check phase, when no HTTP parser is running).
   */
  _queueTakeover(job: { _takeOver(): void }): void {
    if (this._pendingTakeover.push(job) === 1) setImmediate(runTakeovers, this);
  }

  /** @internal */
  _ownedTimers(server: HttpServer): HeartbeatScheduler<OwnedConnection> {
    if (this.ownedTimers === null) {
      const requestTimeout = server.requestTimeout > 0 ? server.requestTimeout : 300_000;
      this.ownedTimers = new HeartbeatScheduler<OwnedConnection>(
        [server.keepAliveTimeout + KEEP_ALIVE_MARGIN_MS, requestTimeout],
        onOwnedTimeout,
      );
    }
    return this.ownedTimers;
  }

  /** @internal Routes a request read on an owned connection (see {@link OwnedConnection}). */
  _ownedTarget(conn: OwnedConnection, head: OwnedRequestHead): PollingTransport | null {
    if (!this._mayOwnPolls()) return null;
    // Only on a server this engine is attached to and whose request listener is still the engine's: a
    // request the application should see must reach its listeners.
    const attached = attachedEngine(conn.httpServer);
    if (attached === null || attached.engine !== this || !head.url.startsWith(attached.path)) return null;
    const query = parseQuery(head.url);
    const sid = query.sid;
    if (sid === undefined) return null;
    ownedRequest.method = head.method;
    ownedRequest.headers.origin = head.origin;
    const bad = checkRequest(
      this.clients,
      this.opts.transports,
      ownedRequest as unknown as IncomingMessage,
      query,
      false,
    );
    if (bad !== null) return null; // node:http's path answers the exact error
    const transport = this.clients[sid]!.transport;
    if (!(transport instanceof PollingTransport) || transport.protocol !== 4) return null;
    if (head.method === "POST" && head.contentType === "application/octet-stream") return null;
    conn.cors = this._corsLines(head.origin);
    conn.encoding = head.method === "GET" ? this._encodingFor(head.acceptEncoding) : null;
    this._ownedRequests++;
    return transport;
  }

  /** @internal The CORS header lines of a (non-preflight) request from `origin`, `""` without CORS. */
  _corsLines(origin: string | undefined): string {
    const cors = this.opts.cors;
    if (cors === null) return "";
    const key = origin ?? "";
    let lines = this.corsCache.get(key);
    if (lines === undefined) {
      const sink = new HeaderLines();
      const req = { method: "GET", headers: { origin } } as unknown as IncomingMessage;
      let allowed = false;
      applyCors(cors, req, sink, (err) => {
        allowed = err === undefined || err === null;
      });
      lines = allowed ? sink.toString() : "";
      if (this.corsCache.size >= HEADER_CACHE_SIZE) this.corsCache.clear();
      this.corsCache.set(key, lines);
    }
    return lines;
  }

  /** @internal The encoding a compressed poll answer would use for this `Accept-Encoding`. */
  _encodingFor(accept: string | undefined): ContentEncoding | null {
    if (this.opts.httpCompression === false || accept === undefined) return null;
    let encoding = this.encodingCache.get(accept);
    if (encoding === undefined) {
      encoding = negotiateEncoding(accept);
      if (this.encodingCache.size >= HEADER_CACHE_SIZE) this.encodingCache.clear();
      this.encodingCache.set(accept, encoding);
    }
    return encoding;
  }

  /**
   * @internal Ends owned connections: idle ones (between requests) always, and with `all` also those
   * holding a poll (`closeAllConnections`). Node's own tracking does not see them.
   */
  _closeOwned(all: boolean): void {
    const timers = this.ownedTimers;
    if (timers !== null) {
      timers.drain((conn, lane) => {
        if (lane === BODY_LANE || all) conn.destroy();
        else conn.closeIfIdle();
      });
    }
    if (!all) return;
    for (const id in this.clients) {
      const transport = this.clients[id]!.transport;
      if (transport instanceof PollingTransport) transport._destroyOwned();
    }
  }

  /** @internal */
  _scheduleFlush(socket: Socket): void {
    if (this._pendingFlush.push(socket) === 1) process.nextTick(flushPending, this);
  }

  /** @internal */
  _removeClient(socket: Socket): void {
    if (this.clients[socket.id] === socket) {
      delete this.clients[socket.id];
      this.clientsCount--;
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
