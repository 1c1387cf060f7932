/**
 * Long-polling connections the engine owns instead of `node:http` (issue 3: memory per polling session;
 * issue 6: CPU per polling round trip).
 *
 * A held GET on `node:http` keeps Node's request, response and parser objects and a handful of bound
 * listeners alive for the whole poll: more memory than the rest of the session. Once a poll is held, the
 * engine detaches its socket from Node (node-http-internals.ts) and keeps only the socket and one small
 * record, this class. The answer is written as raw HTTP/1.1 bytes, byte for byte what Node writes for the
 * same `writeHead` call. The connection then stays with the engine: the client's next poll or POST on it is
 * read here, without any of Node's per-request objects. Anything else — another path, a handshake, an error
 * answer, an unusual header (chunked bodies, `Expect`, upgrades), a head split across reads — goes back to
 * `node:http` with the bytes already read, so Node and the application see exactly what they would have.
 *
 * Idle and slow connections are bounded as Node bounds them (`keepAliveTimeout`, `requestTimeout`), on one
 * shared timer wheel (heartbeat-scheduler.ts) instead of a timer per socket.
 * Layer: engine.
 */
import {
  type Server as HttpServer,
  type IncomingMessage,
  maxHeaderSize,
  type ServerResponse,
} from "node:http";
import type { Socket as NetSocket } from "node:net";
import type { HeartbeatEntry, HeartbeatScheduler } from "./heartbeat-scheduler.js";
import type { ContentEncoding } from "./http-compression.js";
import { detachFromNodeHttp, handBackToNodeHttp, readIntoUserBuffer } from "./node-http-internals.js";

/** What an owned connection asks of the engine that owns it. */
export interface ConnectionOwner {
  readonly opts: { readonly maxHttpBufferSize: number };
  /** Connections the engine owns now (a gauge for tests and metrics). */
  count: number;
  /** Whether the engine is closed: answers then end their connection. */
  readonly closing: boolean;
  /** The wheel driving idle and body timeouts of owned connections (lane 0: idle, lane 1: body). */
  timers(server: HttpServer): HeartbeatScheduler<OwnedConnection>;
  /**
   * The polling session a request read on an owned connection is for, with its CORS header lines set on
   * `conn.cors`; `null` sends the request to `node:http` (anything but a plain poll or POST of a session).
   */
  target(conn: OwnedConnection, req: OwnedRequestHead): OwnedPollTarget | null;
}

/** The polling transport, as an owned connection drives it. */
export interface OwnedPollTarget {
  /** A GET to hold on `conn`; `false` (nothing changed) when the transport cannot take it here. */
  _acceptOwnedPoll(conn: OwnedConnection): boolean;
  /** A POST whose body `conn` will read; `false` (nothing changed) when the transport cannot take it here. */
  _acceptOwnedData(conn: OwnedConnection): boolean;
  /** The whole body of that POST. */
  _onOwnedPayload(conn: OwnedConnection, body: string): void;
  /**
   * The client sent another request behind the poll held on `conn` (HTTP pipelining): answer the poll now
   * (a noop if nothing is queued) so that the request behind it is read without waiting for traffic.
   */
  _releaseOwnedPoll(conn: OwnedConnection): void;
  /** `conn` closed while it held this transport's poll or read its POST body. */
  _onOwnedClose(conn: OwnedConnection): void;
}

/** The parts of a request head the engine routes on (read into one reused record: no object per request). */
export interface OwnedRequestHead {
  method: string;
  url: string;
  origin: string | undefined;
  contentType: string | undefined;
  contentLength: number;
  acceptEncoding: string | undefined;
}

const kConnection = Symbol("plexus.owned");
type OwnedSocket = NetSocket & { [kConnection]?: OwnedConnection | undefined };

const IDLE = 0; // waiting for the next request (keep-alive); on the idle lane
const HELD = 1; // a response is owed: a held poll, or a POST whose answer is being made
const BODY = 2; // reading a POST body; on the body lane
const CLOSED = 3; // ended, destroyed or handed back

/** Lanes of the connection wheel. */
const IDLE_LANE = 0;
export const BODY_LANE = 1;

/** Heads longer than Node's `maxHeaderSize` (the server's, or the process default) go to Node: it answers 431. */
function maxHeadBytes(server: HttpServer): number {
  return (server as { maxHeaderSize?: number }).maxHeaderSize || maxHeaderSize;
}
/** Bytes a client may send ahead while a response is owed (HTTP pipelining) before it is cut off. */
const MAX_PENDING_BYTES = 64 * 1024;
const HEAD_END = Buffer.from("\r\n\r\n");
/** RFC 9110 token (header names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * In a whole head: a control character other than tab, or a CR or LF that is not part of a CRLF line end.
 * Node's parser would refuse such a head (or read it in its own way): it goes to Node.
 */
const INVALID_HEAD = /[^\t\r\n\x20-\x7e\x80-\xff]|\r(?!\n)|(?<!\r)\n/;
/** Request targets in origin form, without spaces or control characters. */
const INVALID_TARGET = /[^\x21-\x7e\x80-\xff]/;
const DIGITS = /^\d{1,15}$/;
const STATUS_LINES: Record<number, string> = {
  200: "HTTP/1.1 200 OK\r\n",
  400: "HTTP/1.1 400 Bad Request\r\n",
  413: "HTTP/1.1 413 Payload Too Large\r\n",
};
const REQUEST_TIMEOUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/** The request head being routed (module-level: heads are parsed one at a time, synchronously). */
const head: OwnedRequestHead & { host: boolean; close: boolean; userAgent: string | undefined } = {
  method: "",
  url: "",
  origin: undefined,
  contentType: undefined,
  contentLength: -1,
  acceptEncoding: undefined,
  host: false,
  close: false,
  userAgent: undefined,
};

// ---- Date and keep-alive lines, as Node writes them ---------------------------------------------

let dateSecond = -1;
let dateLine = "";

/** `Date: <IMF-fixdate>\r\n`, computed once per second (Node caches it the same way). */
function currentDateLine(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

let keepAliveFor = -1;
let keepAliveLines = "";

function connectionLines(keepAlive: boolean, keepAliveTimeout: number): string {
  if (!keepAlive) return "Connection: close\r\n";
  if (keepAliveTimeout !== keepAliveFor) {
    keepAliveFor = keepAliveTimeout;
    keepAliveLines =
      keepAliveTimeout > 0
        ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAliveTimeout / 1000)}\r\n`
        : "Connection: keep-alive\r\n";
  }
  return keepAliveLines;
}

// ---- socket listeners (module-level: no closure per connection) --------------------------------

/**
 * Plain TCP connections read into this one buffer (node-http-internals.ts `readIntoUserBuffer`): each
 * read is handled before the next one, so one buffer serves every owned connection, and bytes kept past
 * the read (a body in progress, a pipelined request) are copied out of it.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

function onOwnedRead(this: OwnedSocket, nread: number, buffer: Buffer): boolean {
  const conn = this[kConnection];
  if (conn !== undefined) {
    conn.onBytes(buffer.subarray(0, nread), true);
    return true;
  }
  // Handed back to node:http: the bytes go where Node's own read path puts them.
  return this.push(Buffer.copyBytesFrom(buffer, 0, nread));
}

/** TLS connections read through `data` events. */
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]?.onBytes(chunk, false);
}

function onSocketEnd(this: OwnedSocket): void {
  // As Node's HTTP server without `httpAllowHalfOpen`: the client is done, so is the connection.
  this.end();
}

function onSocketClose(this: OwnedSocket): void {
  this[kConnection]?.onClose();
}

function onSocketError(): void {
  // `close` follows; the error itself is the peer's business (as Node's default for HTTP sockets).
}

function resumePending(conn: OwnedConnection): void {
  conn.resumePending();
}

/** Drives the timeouts of owned connections: an idle keep-alive connection or a stalled body ends. */
export function onOwnedTimeout(conn: OwnedConnection, lane: number): void {
  conn.onTimeout(lane);
}

// ---- request head parsing ----------------------------------------------------------------------

/** A field value without the optional whitespace around it (spaces and tabs only, as Node's parser). */
function fieldValue(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--;
  return text.slice(from, to);
}

/**
 * Reads a request head into {@link head}. `false` when it is anything but a plain HTTP/1.1 GET or POST in
 * origin form with the few headers the engine understands; such a request goes to Node.
 */
function parseHead(text: string): boolean {
  if (INVALID_HEAD.test(text)) return false;
  let lineEnd = text.indexOf("\r\n");
  const requestLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const sp1 = requestLine.indexOf(" ");
  if (sp1 <= 0) return false;
  const sp2 = requestLine.indexOf(" ", sp1 + 1);
  if (sp2 === -1 || requestLine.length !== sp2 + 9 || !requestLine.endsWith(" HTTP/1.1")) return false;
  const method = requestLine.slice(0, sp1);
  if (method !== "GET" && method !== "POST") return false;
  const url = requestLine.slice(sp1 + 1, sp2);
  if (url.charCodeAt(0) !== 47 || INVALID_TARGET.test(url)) return false;
  head.method = method;
  head.url = url;
  head.origin = head.contentType = head.acceptEncoding = head.userAgent = undefined;
  head.contentLength = -1;
  head.host = head.close = false;
  while (lineEnd !== -1) {
    const start = lineEnd + 2;
    lineEnd = text.indexOf("\r\n", start);
    const end = lineEnd === -1 ? text.length : lineEnd;
    const colon = text.indexOf(":", start);
    if (colon <= start || colon >= end) return false;
    const rawName = text.slice(start, colon);
    if (!TOKEN.test(rawName)) return false;
    const value = fieldValue(text, colon + 1, end);
    switch (rawName.toLowerCase()) {
      case "host":
        if (head.host) return false;
        head.host = true;
        break;
      case "content-length":
        if (head.contentLength !== -1 || !DIGITS.test(value)) return false;
        head.contentLength = Number(value);
        break;
      case "connection": {
        const v = value.toLowerCase();
        if (v.includes("upgrade")) return false;
        if (v.includes("close")) head.close = true;
        break;
      }
      case "origin":
        if (head.origin !== undefined) return false;
        head.origin = value;
        break;
      case "content-type":
        if (head.contentType !== undefined) return false;
        head.contentType = value;
        break;
      case "accept-encoding":
        if (head.acceptEncoding !== undefined) return false;
        head.acceptEncoding = value;
        break;
      case "user-agent":
        if (head.userAgent !== undefined) return false;
        head.userAgent = value;
        break;
      case "transfer-encoding":
      case "expect":
      case "upgrade":
      case "http2-settings":
        return false;
      default:
        break;
    }
  }
  if (!head.host) return false; // Node answers 400 (RFC 9112 §3.2)
  if (head.method === "GET" && head.contentLength > 0) return false;
  if (head.method === "POST" && head.contentLength === -1) return false;
  const ua = head.userAgent;
  // Old IE gets an extra header (polling-transport.ts): Node's path writes it.
  if (ua !== undefined && (ua.includes(";MSIE") || ua.includes("Trident/"))) return false;
  return true;
}

/**
 * One HTTP/1.1 connection the engine owns: it holds a poll, reads a POST body, or waits for the next
 * request. Carries the link fields of the connection wheel itself (no node object per timeout).
 */
export class OwnedConnection implements HeartbeatEntry {
  hbPrev: HeartbeatEntry | null = null;
  hbNext: HeartbeatEntry | null = null;
  hbDeadline = 0;
  hbLane = -1;
  readonly socket: OwnedSocket;
  readonly httpServer: HttpServer;
  readonly owner: ConnectionOwner;
  /** The session transport whose poll this connection holds or whose POST body it reads. */
  target: OwnedPollTarget | null = null;
  /** CORS header lines of the current request (`""` when none), written before the answer's own. */
  cors = "";
  /** `Content-Encoding` the current request accepts for a compressed answer. */
  encoding: ContentEncoding | null = null;
  /** Bytes read but not handled yet (a pipelined request, or a body in progress). */
  private pending: Buffer | Buffer[] | null = null;
  private pendingLength = 0;
  private bodyLength = 0;
  private state = HELD;
  private keepAlive: boolean;

  private constructor(owner: ConnectionOwner, socket: NetSocket, httpServer: HttpServer, keepAlive: boolean) {
    this.owner = owner;
    this.socket = socket;
    this.httpServer = httpServer;
    this.keepAlive = keepAlive;
    owner.count++;
    const s = socket as OwnedSocket;
    s[kConnection] = this;
    if (!readIntoUserBuffer(socket, readBuffer, onOwnedRead)) s.on("data", onSocketData);
    s.on("end", onSocketEnd);
    s.on("close", onSocketClose);
    s.on("error", onSocketError);
  }

  /**
   * Takes the connection of a complete request over from `node:http` (the answer `res` would have
   * given is now owed by this connection). `null` when Node does not let go of it (see
   * node-http-internals.ts); the request then stays on `node:http`.
   */
  static takeOver(owner: ConnectionOwner, req: IncomingMessage, res: ServerResponse): OwnedConnection | null {
    const socket = req.socket;
    const server = (socket as { server?: HttpServer }).server;
    // Node counts requests per connection for `maxRequestsPerSocket`: such servers keep their polls.
    if (
      server === undefined ||
      typeof server.listeners !== "function" ||
      (server.maxRequestsPerSocket ?? 0) > 0
    ) {
      return null;
    }
    const keepAlive = res.shouldKeepAlive;
    if (!detachFromNodeHttp(req, res)) return null;
    return new OwnedConnection(owner, socket, server, keepAlive);
  }

  /** @internal Bytes read; `transient` ones are only valid during this call (the shared read buffer). */
  onBytes(chunk: Buffer, transient: boolean): void {
    const state = this.state;
    if (state === IDLE) {
      this.owner.timers(this.httpServer).cancel(this);
      if (this.pending === null) {
        this.onRequestBytes(chunk, transient);
      } else {
        this.addPending(transient ? Buffer.from(chunk) : chunk);
        this.onRequestBytes(this.takePending(), false);
      }
    } else if (state === BODY) {
      this.addPending(transient ? Buffer.from(chunk) : chunk);
      if (this.pendingLength >= this.bodyLength) this.finishBody(this.takePending(), 0, false);
    } else if (state === HELD) {
      // Pipelined: read after the answer, which is not left waiting for traffic; within bounds.
      this.addPending(transient ? Buffer.from(chunk) : chunk);
      if (this.pendingLength > MAX_PENDING_BYTES) this.socket.destroy();
      else this.target?._releaseOwnedPoll(this);
    }
  }

  private addPending(chunk: Buffer): void {
    const p = this.pending;
    if (p === null) this.pending = chunk;
    else if (Array.isArray(p)) p.push(chunk);
    else this.pending = [p, chunk];
    this.pendingLength += chunk.length;
  }

  private takePending(): Buffer {
    const p = this.pending!;
    this.pending = null;
    this.pendingLength = 0;
    return Array.isArray(p) ? Buffer.concat(p) : p;
  }

  /**
   * @internal A request starts at the beginning of `buf`: route it, or give it to Node. `transient`: `buf`
   * is the shared read buffer, so whatever is kept of it is copied.
   */
  private onRequestBytes(buf: Buffer, transient: boolean): void {
    const end = buf.indexOf(HEAD_END);
    if (end === -1 || end > maxHeadBytes(this.httpServer) || !parseHead(buf.toString("latin1", 0, end))) {
      this.handBack(transient ? Buffer.from(buf) : buf);
      return;
    }
    const target = this.owner.target(this, head);
    if (target === null) {
      this.handBack(transient ? Buffer.from(buf) : buf);
      return;
    }
    const bodyStart = end + 4;
    const keepAlive = !head.close;
    if (head.method === "GET") {
      // Bytes behind the head (a pipelined request) wait for the answer, which may be written at once.
      if (bodyStart < buf.length) {
        const rest = buf.subarray(bodyStart);
        this.addPending(transient ? Buffer.from(rest) : rest);
      }
      this.keepAlive = keepAlive;
      this.target = target;
      this.state = HELD;
      if (!target._acceptOwnedPoll(this)) {
        this.pending = null;
        this.pendingLength = 0;
        this.handBack(transient ? Buffer.from(buf) : buf);
      }
      return;
    }
    // POST: the answer is `ok` once the body has been read and handled.
    const length = head.contentLength;
    if (length > this.owner.opts.maxHttpBufferSize || !target._acceptOwnedData(this)) {
      this.handBack(transient ? Buffer.from(buf) : buf);
      return;
    }
    this.keepAlive = keepAlive;
    this.target = target;
    this.bodyLength = length;
    this.state = BODY;
    if (buf.length - bodyStart >= length) {
      // The usual case: the whole body came with the head.
      this.finishBody(buf, bodyStart, transient);
      return;
    }
    if (bodyStart < buf.length) {
      const rest = buf.subarray(bodyStart);
      this.addPending(transient ? Buffer.from(rest) : rest);
    }
    this.owner.timers(this.httpServer).schedule(this, BODY_LANE);
  }

  /** The body of the POST being read is `buf` from `start` on (with any bytes of a next request behind it). */
  private finishBody(buf: Buffer, start: number, transient: boolean): void {
    this.owner.timers(this.httpServer).cancel(this);
    const bodyEnd = start + this.bodyLength;
    const body = buf.toString("utf8", start, bodyEnd);
    if (buf.length > bodyEnd) {
      const rest = buf.subarray(bodyEnd);
      this.addPending(transient ? Buffer.from(rest) : rest);
    }
    this.state = HELD;
    const target = this.target!;
    target._onOwnedPayload(this, body);
  }

  /**
   * Writes a complete answer: `contentType` `null` for an empty one (error statuses, `body` ignored). The header lines are
   * those Node writes for the engine's `writeHead` calls, in the same order.
   */
  respond(
    status: number,
    contentType: string | null,
    body: string | Buffer,
    encoding: ContentEncoding | null,
  ): void {
    if (this.state !== HELD) return;
    const socket = this.socket;
    const length = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    let text = (STATUS_LINES[status] ?? `HTTP/1.1 ${status} Error\r\n`) + this.cors;
    if (contentType !== null) {
      text += `Content-Type: ${contentType}\r\n`;
      text +=
        encoding !== null
          ? `Content-Encoding: ${encoding}\r\ncache-control: no-store\r\nContent-Length: ${length}\r\n`
          : `Content-Length: ${length}\r\ncache-control: no-store\r\n`;
    }
    const keepAlive = this.keepAlive && !this.owner.closing;
    text += currentDateLine() + connectionLines(keepAlive, this.httpServer.keepAliveTimeout);
    // An empty answer as Node ends one without a length: an empty chunked body.
    text += contentType === null ? "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" : "\r\n";
    this.target = null;
    this.cors = "";
    this.encoding = null;
    if (socket.writable) {
      if (typeof body === "string") {
        socket.write(text + body);
      } else {
        socket.cork();
        socket.write(text, "latin1");
        socket.write(body);
        socket.uncork();
      }
    }
    if (!keepAlive) {
      // As Node after a last response: end, and destroy once written (the peer need not answer our FIN).
      this.state = CLOSED;
      const s = socket as NetSocket & { destroySoon?: () => void };
      if (typeof s.destroySoon === "function") s.destroySoon();
      else socket.end();
      return;
    }
    this.state = IDLE;
    if (this.pending !== null) process.nextTick(resumePending, this);
    else this.scheduleIdle();
  }

  private scheduleIdle(): void {
    if (this.httpServer.keepAliveTimeout > 0) this.owner.timers(this.httpServer).schedule(this, IDLE_LANE);
  }

  /** @internal A request read while the previous answer was owed. */
  resumePending(): void {
    if (this.state !== IDLE || this.pending === null) return;
    this.onRequestBytes(this.takePending(), false);
  }

  /** Ends the connection at once (a failed compression, the engine closing). */
  destroy(): void {
    this.socket.destroy();
  }

  /** The engine closes: an idle connection is destroyed now (as `closeIdleConnections`), a busy one after its answer. */
  closeIfIdle(): void {
    if (this.state === IDLE) {
      this.owner.timers(this.httpServer).cancel(this);
      this.state = CLOSED;
      this.socket.destroy();
    }
  }

  /** @internal */
  onTimeout(lane: number): void {
    if (this.state === CLOSED) return;
    if (lane === BODY_LANE && this.socket.writable) this.socket.write(REQUEST_TIMEOUT_RESPONSE);
    this.state = CLOSED;
    this.socket.destroy();
  }

  /** @internal */
  onClose(): void {
    const state = this.state;
    this.state = CLOSED;
    this.owner.count--;
    this.owner.timers(this.httpServer).cancel(this);
    this.pending = null;
    const target = this.target;
    this.target = null;
    if ((state === HELD || state === BODY) && target !== null) target._onOwnedClose(this);
  }

  /** Gives the connection (and `buf`, the bytes of a request it will not serve) back to `node:http`. */
  private handBack(buf: Buffer | null): void {
    const socket = this.socket;
    this.owner.timers(this.httpServer).cancel(this);
    this.owner.count--;
    this.state = CLOSED;
    this.target = null;
    socket[kConnection] = undefined;
    socket.removeListener("data", onSocketData); // TLS; plain TCP keeps its read callback (onOwnedRead)
    socket.removeListener("end", onSocketEnd);
    socket.removeListener("close", onSocketClose);
    socket.removeListener("error", onSocketError);
    handBackToNodeHttp(socket, this.httpServer, buf);
  }

  /**
   * Marks the connection as owing the answer of a request accepted on `node:http` before the takeover:
   * `target`'s held poll, or (`null`) a POST's `ok`.
   */
  hold(target: OwnedPollTarget | null, cors: string, encoding: ContentEncoding | null): void {
    this.target = target;
    this.cors = cors;
    this.encoding = encoding;
    this.state = HELD;
  }
}
