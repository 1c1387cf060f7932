/**
 * HTTP long-polling transport (PROTOCOL.md §A4): held GETs answered with a `\x1e`-joined payload,
 * POSTed payloads answered `ok`, overlap rules, 413 on oversize bodies, optional gzip/deflate.
 * Request listeners are module-level functions that find their transport through a symbol on the
 * request/response (no closure per request or session). A held poll moves off `node:http` onto an
 * {@link OwnedConnection} as soon as it is held (owned-connection.ts), and the polls and POSTs that
 * follow on that connection arrive here without Node's request objects.
 * Layer: engine.
 */
import {
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from "node:http";
import {
  decodeEngineRecord,
  ENGINE_PACKET_CODES,
  type EnginePacket,
  RECORD_SEPARATOR,
  toBase64,
} from "@plexus/protocol";
import createDebug from "debug";
import { decodeBinaryPayloadV3, decodeTextPayloadV3, encodePayloadV3 } from "./eio3-codec.js";
import { compressBody, negotiateEncoding } from "./http-compression.js";
import { answerEmpty } from "./http-errors.js";
import { OwnedConnection, type OwnedPollTarget } from "./owned-connection.js";
import type { Server } from "./server.js";
import type { OutItem, Transport, TransportHandler } from "./transport.js";

/** Polls, POSTs and their answers (`DEBUG=plexus:engine:polling`). */
const debug = createDebug("plexus:engine:polling");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

const kOwner = Symbol("plexus.polling");
type OwnedRequest = IncomingMessage & { [kOwner]?: PollingTransport | null };
type OwnedResponse = ServerResponse & { [kOwner]?: PollingTransport | null };

/** A client that never polls again after a server-initiated close is given this long (as engine.io). */
const CLOSE_TIMEOUT_MS = 30_000;
const CLOSE_RECORD = ENGINE_PACKET_CODES.close;
const NOOP_RECORD = ENGINE_PACKET_CODES.noop;
const POLL_INITIAL = 1;
const DISCARDED = 2;
const SHOULD_CLOSE = 4;
const NO_BINARY = 8;
const EIO3 = 16;

function onPollResponseClose(this: OwnedResponse): void {
  const t = this[kOwner];
  if (t === undefined || t === null || t.pollRes !== this) return;
  t.pollReq = t.pollRes = null;
  t.writable = false;
  t.fail("poll connection closed prematurely");
}

function onDataChunk(this: OwnedRequest, chunk: Buffer): void {
  const t = this[kOwner];
  if (t === undefined || t === null || t.dataReq !== this) return;
  t.dataLength += chunk.length;
  if (t.dataLength > t.server.opts.maxHttpBufferSize) {
    // §A4: 413 with an empty body; the session itself stays (as engine.io).
    const res = t.dataRes as ServerResponse;
    t.releaseData();
    answerEmpty(res, 413);
    return;
  }
  if (t.chunks === null) t.chunks = chunk;
  else if (Array.isArray(t.chunks)) t.chunks.push(chunk);
  else t.chunks = [t.chunks, chunk];
}

function onDataEnd(this: OwnedRequest): void {
  const t = this[kOwner];
  if (t === undefined || t === null || t.dataReq !== this) return;
  const chunks = t.chunks === null ? null : Array.isArray(t.chunks) ? Buffer.concat(t.chunks) : t.chunks;
  const body = chunks === null ? "" : chunks.toString("utf8");
  const res = t.dataRes as ServerResponse;
  t.releaseData();
  if (t.protocol === 3) t.onPayloadV3(body, chunks, this, res);
  else t.onPayload(body, this, res);
}

function onDataClose(this: OwnedRequest): void {
  const t = this[kOwner];
  if (t === undefined || t === null || t.dataReq !== this) return;
  t.releaseData();
  t.fail("data request connection closed prematurely");
}

/**
 * Pre-built header lists for the two answers of every round trip (DESIGN.md principle 1: nothing per
 * request that can be shared). `writeHead` with a flat array consumes it synchronously (no object, no
 * `Object.keys`), so the shared arrays are safe; the poll answer's Content-Length slot is set just before.
 * Same fields, same order as the decorated path below, so the wire is unchanged. Used when no `headers`
 * hook listens and the client is not old IE (which also gets X-XSS-Protection).
 */
const OK_HEADERS: OutgoingHttpHeader[] = [
  "Content-Type",
  "text/html",
  "Content-Length",
  "2",
  "cache-control",
  "no-store",
];
const TEXT_POLL_HEADERS: OutgoingHttpHeader[] = [
  "Content-Type",
  "text/plain; charset=UTF-8",
  "Content-Length",
  0,
  "cache-control",
  "no-store",
];
const BINARY_POLL_HEADERS: OutgoingHttpHeader[] = [
  "Content-Type",
  "application/octet-stream",
  "Content-Length",
  0,
  "cache-control",
  "no-store",
];

/**
 * Whether `res.writeHead` is Node's own. Middlewares that act when the head is written (express-session
 * through `on-headers`, compression, ...) replace it on the response, and some of them (on-headers 1.0)
 * read the headers argument as an object: they get the decorated object instead of a shared flat list.
 */
const nativeWriteHead = ServerResponse.prototype.writeHead;
function writesHeadNatively(res: ServerResponse): boolean {
  return res.writeHead === nativeWriteHead;
}

function isOldIE(req: IncomingMessage): boolean {
  const ua = req.headers["user-agent"];
  return ua !== undefined && (ua.includes(";MSIE") || ua.includes("Trident/"));
}

function onCloseTimeout(t: PollingTransport): void {
  t.closeTimer = null;
  t.finishClose();
}

/** A finished answer with no body (error statuses), on either kind of connection. */
function answerStatus(res: ServerResponse | OwnedConnection, status: number): void {
  if (res instanceof OwnedConnection) res.respond(status, null, "", null);
  else answerEmpty(res, status);
}

function encodeItems(items: readonly OutItem[]): string {
  let out = "";
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i > 0) out += RECORD_SEPARATOR;
    if (typeof item === "string") out += item;
    else if (item instanceof Uint8Array) out += `b${toBase64(item)}`;
    else out += item.pollingRecords;
  }
  return out;
}

/**
 * The `ok` of a POST read on node:http, answered from the connection once it is taken over: the client's
 * next requests on it then arrive on the owned connection too (browsers and agents use either connection
 * for either kind of request).
 */
class PendingOk {
  constructor(
    private readonly server: Server,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  _takeOver(): void {
    const { server, req, res } = this;
    if (res.headersSent || res.writableEnded) return;
    const owned = server._owned;
    const conn = owned.mayOwn() ? OwnedConnection.takeOver(owned, req, res) : null;
    if (conn === null) {
      if (writesHeadNatively(res)) res.writeHead(200, OK_HEADERS);
      else
        res.writeHead(200, {
          "Content-Type": "text/html",
          "Content-Length": "2",
          "cache-control": "no-store",
        });
      res.end("ok");
      return;
    }
    conn.hold(null, owned.corsLines(req.headers.origin), null);
    conn.respond(200, "text/html", "ok", null);
  }
}

export class PollingTransport implements Transport, OwnedPollTarget {
  /** A prototype getter, not an instance field: 8 bytes less per session (DESIGN.md principle 1). */
  get name(): "polling" {
    return "polling";
  }
  writable = false;
  readyState: "open" | "closing" | "closed" = "open";
  /** Session id, for the handshake cookie. */
  readonly sid: string;
  /** @internal */ readonly server: Server;
  /** @internal */ handler: TransportHandler | null = null;
  /** @internal pending long poll on node:http (`null` once it is held on an owned connection) */
  pollReq: IncomingMessage | null = null;
  /** @internal where the pending poll is answered */ pollRes: ServerResponse | OwnedConnection | null = null;
  /** @internal POST in flight on node:http */ dataReq: IncomingMessage | null = null;
  /** @internal where it is answered */ dataRes: ServerResponse | OwnedConnection | null = null;
  /** @internal */ chunks: Buffer | Buffer[] | null = null;
  /** @internal */ dataLength = 0;
  /** @internal */ closeTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * POLL_INITIAL | DISCARDED | SHOULD_CLOSE | NO_BINARY | EIO3: four booleans and the protocol revision in
   * one field, 32 bytes less per session (DESIGN.md principle 1); the accessors below read it.
   */
  private flags = 0;

  constructor(server: Server, sid: string, protocol: 3 | 4 = 4, supportsBinary = true) {
    this.server = server;
    this.sid = sid;
    this.flags = (protocol === 3 ? EIO3 : 0) | (supportsBinary ? 0 : NO_BINARY);
  }

  /** Engine.IO revision of the client (3 = legacy framing, see eio3-codec.ts). */
  get protocol(): 3 | 4 {
    return (this.flags & EIO3) !== 0 ? 3 : 4;
  }

  /** EIO3 only: whether binary may travel as binary payloads (no `b64` query parameter). */
  get supportsBinary(): boolean {
    return (this.flags & NO_BINARY) === 0;
  }

  /** @internal whether the pending GET is the handshake */
  get pollInitial(): boolean {
    return (this.flags & POLL_INITIAL) !== 0;
  }

  set pollInitial(value: boolean) {
    this.flags = value ? this.flags | POLL_INITIAL : this.flags & ~POLL_INITIAL;
  }

  private get discarded(): boolean {
    return (this.flags & DISCARDED) !== 0;
  }

  private set discarded(value: boolean) {
    this.flags = value ? this.flags | DISCARDED : this.flags & ~DISCARDED;
  }

  private get shouldClose(): boolean {
    return (this.flags & SHOULD_CLOSE) !== 0;
  }

  private set shouldClose(value: boolean) {
    this.flags = value ? this.flags | SHOULD_CLOSE : this.flags & ~SHOULD_CLOSE;
  }

  /** Routes one HTTP request of the session (handshake GET included). */
  onRequest(req: IncomingMessage, res: ServerResponse, initial = false): void {
    if (req.method === "GET") this.onPoll(req, res, initial);
    else if (req.method === "POST") this.onData(req, res);
    else answerEmpty(res, 500);
  }

  private onPoll(req: IncomingMessage, res: ServerResponse, initial: boolean): void {
    if (DEBUG) debug("session %s: poll%s", this.sid, initial ? " (handshake)" : "");
    if (this.pollRes !== null) {
      // §A4 overlap: the pending poll is answered `1` as the session closes, the newcomer gets 400.
      this.fail("overlap from client");
      answerEmpty(res, 400);
      return;
    }
    this.pollReq = req;
    this.pollRes = res;
    this.pollInitial = initial;
    (res as OwnedResponse)[kOwner] = this;
    res.on("close", onPollResponseClose);
    this.pollReady();
    // Still held: move it off node:http once Node is done with this request (same turn, check phase).
    if (this.pollRes === res && !initial && this.protocol === 4 && this.server._owned.mayOwn()) {
      this.server._owned.queueTakeover(this);
    }
  }

  /** @internal Moves the held poll onto an {@link OwnedConnection}, when Node lets go of it. */
  _takeOver(): void {
    const req = this.pollReq;
    const res = this.pollRes;
    const owned = this.server._owned;
    if (req === null || res === null || res instanceof OwnedConnection || !owned.mayOwn()) return;
    if (isOldIE(req)) return;
    const conn = OwnedConnection.takeOver(owned, req, res);
    if (conn === null) return;
    res.removeListener("close", onPollResponseClose);
    (res as OwnedResponse)[kOwner] = null;
    conn.hold(this, owned.corsLines(req.headers.origin), owned.encodingFor(req.headers["accept-encoding"]));
    this.pollReq = null;
    this.pollRes = conn;
  }

  /** @internal A poll read on an owned connection (owned-connection.ts). */
  _acceptOwnedPoll(conn: OwnedConnection): boolean {
    if (this.pollRes !== null) return false; // overlap: node:http's path answers it
    this.pollReq = null;
    this.pollRes = conn;
    this.pollInitial = false;
    this.pollReady();
    return true;
  }

  /** A poll is now pending: the session may write; a close waiting for a poll answers it with `6`. */
  private pollReady(): void {
    this.writable = true;
    this.handler?.onTransportReady(this);
    if (this.writable && this.shouldClose) this.send([NOOP_RECORD], false);
  }

  /** @internal A POST read on an owned connection: its body follows in {@link _onOwnedPayload}. */
  _acceptOwnedData(conn: OwnedConnection): boolean {
    if (this.dataRes !== null || this.protocol !== 4) return false;
    this.dataReq = null;
    this.dataRes = conn;
    this.dataLength = 0;
    return true;
  }

  /** @internal */
  _onOwnedPayload(conn: OwnedConnection, body: string): void {
    if (this.dataRes === conn) this.releaseData();
    this.onPayload(body, null, conn);
  }

  /** @internal */
  _releaseOwnedPoll(conn: OwnedConnection): void {
    if (this.pollRes === conn && this.writable) this.send([NOOP_RECORD], false);
  }

  /** @internal Ends the owned connections of the pending poll and POST (`closeAllConnections`). */
  _destroyOwned(): void {
    if (this.pollRes instanceof OwnedConnection) this.pollRes.destroy();
    if (this.dataRes instanceof OwnedConnection) this.dataRes.destroy();
  }

  /** @internal The owned connection of the pending poll or POST closed. */
  _onOwnedClose(conn: OwnedConnection): void {
    if (this.pollRes === conn) {
      this.pollReq = this.pollRes = null;
      this.writable = false;
      this.fail("poll connection closed prematurely");
    } else if (this.dataRes === conn) {
      this.releaseData();
      this.fail("data request connection closed prematurely");
    }
  }

  private onData(req: IncomingMessage, res: ServerResponse): void {
    if (DEBUG) debug("session %s: data request (POST)", this.sid);
    if (this.dataRes !== null) {
      this.fail("data request overlap from client");
      answerEmpty(res, 400);
      return;
    }
    if (req.headers["content-type"] === "application/octet-stream" && this.protocol === 4) {
      // §A3: v4 payloads are always text.
      this.fail("invalid content");
      answerEmpty(res, 400);
      return;
    }
    const declared = Number(req.headers["content-length"]);
    if (declared > this.server.opts.maxHttpBufferSize) {
      answerEmpty(res, 413);
      return;
    }
    this.dataReq = req;
    this.dataRes = res;
    this.dataLength = 0;
    (req as OwnedRequest)[kOwner] = this;
    req.on("data", onDataChunk);
    req.on("end", onDataEnd);
    req.on("close", onDataClose);
  }

  /** @internal */
  releaseData(): void {
    if (this.dataReq !== null) (this.dataReq as OwnedRequest)[kOwner] = null;
    this.dataReq = this.dataRes = null;
    this.chunks = null;
  }

  /** @internal A complete POST body: deliver its packets in order, then answer `ok`. */
  onPayload(body: string, req: IncomingMessage | null, res: ServerResponse | OwnedConnection): void {
    let start = 0;
    for (;;) {
      const handler = this.handler;
      if (handler === null) break;
      const end = body.indexOf(RECORD_SEPARATOR, start);
      const record = end === -1 ? body.slice(start) : body.slice(start, end);
      let packet: EnginePacket;
      try {
        packet = decodeEngineRecord(record);
      } catch {
        handler.onTransportParseError(this);
        answerStatus(res, 400);
        return;
      }
      if (packet.type === "close") {
        this.onPeerClose();
        break;
      }
      handler.onTransportPacket(this, packet);
      if (end === -1) break;
      start = end + 1;
    }
    this.answerOk(req, res);
  }

  /** `200 ok` to a POST. */
  private answerOk(req: IncomingMessage | null, res: ServerResponse | OwnedConnection): void {
    if (res instanceof OwnedConnection) {
      // Owned connections serve only plain requests (no `headers` hook, no old IE): the fast header list.
      res.respond(200, "text/html", "ok", null);
      return;
    }
    if (
      req === null ||
      (this.server.listenerCount("headers") === 0 && !isOldIE(req) && writesHeadNatively(res))
    ) {
      if (req !== null && this.protocol === 4 && this.server._owned.mayOwn()) {
        this.server._owned.queueTakeover(new PendingOk(this.server, req, res));
        return;
      }
      res.writeHead(200, OK_HEADERS);
    } else {
      // text/html rather than text/plain avoids a download dialog in some user agents (engine.io GH-43).
      const headers: OutgoingHttpHeaders = { "Content-Type": "text/html", "Content-Length": "2" };
      res.writeHead(200, this.decorate(req, headers, false));
    }
    res.end("ok");
  }

  /** @internal An EIO3 body: length-prefixed text, or a binary payload (octet-stream). */
  onPayloadV3(body: string, bytes: Buffer | null, req: IncomingMessage, res: ServerResponse): void {
    let packets: EnginePacket[];
    try {
      const binary = req.headers["content-type"] === "application/octet-stream";
      packets = binary ? decodeBinaryPayloadV3(bytes ?? Buffer.alloc(0)) : decodeTextPayloadV3(body);
    } catch {
      this.handler?.onTransportParseError(this);
      answerEmpty(res, 400);
      return;
    }
    for (const packet of packets) {
      const handler = this.handler;
      if (handler === null) break;
      if (packet.type === "close") {
        this.onPeerClose();
        break;
      }
      handler.onTransportPacket(this, packet);
    }
    this.answerOk(req, res);
  }

  /** The client sent `1` (§A8): the pending poll is released with `6` and the session ends. */
  private onPeerClose(): void {
    if (this.writable) this.send([NOOP_RECORD], false);
    this.readyState = "closed";
    this.handler?.onTransportClose(this);
  }

  /** @internal */
  fail(message: string): void {
    this.handler?.onTransportError(this, message);
  }

  send(items: readonly OutItem[], compress: boolean): void {
    if (DEBUG) debug("session %s: answering the poll with %d packets", this.sid, items.length);
    const req = this.pollReq;
    const res = this.pollRes;
    if (res === null) return;
    this.writable = false;
    this.pollReq = this.pollRes = null;
    if (!(res instanceof OwnedConnection)) (res as OwnedResponse)[kOwner] = null;
    const closing = this.shouldClose;
    let payload: string | Buffer;
    if (this.protocol === 3) {
      payload = encodePayloadV3(closing ? [...items, CLOSE_RECORD] : items, this.supportsBinary);
    } else {
      payload = encodeItems(items);
      if (closing) payload += RECORD_SEPARATOR + CLOSE_RECORD;
    }
    if (res instanceof OwnedConnection) this.writeOwned(res, payload, compress);
    else this.write(req!, res, payload, compress);
    if (closing) this.finishClose();
  }

  /** A poll answer on an owned connection: only plain polls are owned (no hooks, not initial, not old IE). */
  private writeOwned(conn: OwnedConnection, payload: string | Buffer, compress: boolean): void {
    this.pollInitial = false;
    const isText = typeof payload === "string";
    const type = isText ? "text/plain; charset=UTF-8" : "application/octet-stream";
    const options = this.server.opts.httpCompression;
    const encoding = conn.encoding;
    if (options !== false && compress && encoding !== null) {
      const length = isText ? Buffer.byteLength(payload) : payload.length;
      if (length >= (options.threshold ?? 1024)) {
        compressBody(encoding, payload, options, (err, body) => {
          if (err !== null) {
            conn.destroy();
            return;
          }
          conn.respond(200, type, body, encoding);
          this.handler?.onTransportDrain(this);
        });
        return;
      }
    }
    conn.respond(200, type, payload, null);
    this.handler?.onTransportDrain(this);
  }

  sendOne(item: OutItem, compress: boolean): void {
    this.send([item], compress);
  }

  private write(
    req: IncomingMessage,
    res: ServerResponse,
    payload: string | Buffer,
    compress: boolean,
  ): void {
    const initial = this.pollInitial;
    this.pollInitial = false;
    const isText = typeof payload === "string";
    const length = isText ? Buffer.byteLength(payload) : payload.length;
    const options = this.server.opts.httpCompression;
    const compressible = options !== false && compress && length >= (options.threshold ?? 1024);
    if (
      !compressible &&
      !initial &&
      this.server.listenerCount("headers") === 0 &&
      !isOldIE(req) &&
      writesHeadNatively(res)
    ) {
      const list = isText ? TEXT_POLL_HEADERS : BINARY_POLL_HEADERS;
      list[3] = length;
      res.writeHead(200, list);
      res.end(payload);
      this.handler?.onTransportDrain(this);
      return;
    }
    const headers: OutgoingHttpHeaders = {
      "Content-Type": isText ? "text/plain; charset=UTF-8" : "application/octet-stream",
    };
    if (compressible) {
      const encoding = negotiateEncoding(req.headers["accept-encoding"]);
      if (encoding !== null) {
        headers["Content-Encoding"] = encoding;
        const decorated = this.decorate(req, headers, initial);
        compressBody(encoding, payload, options, (err, body) => {
          if (err !== null) {
            res.destroy();
            return;
          }
          decorated["Content-Length"] = body.length;
          res.writeHead(200, decorated);
          res.end(body);
          this.handler?.onTransportDrain(this);
        });
        return;
      }
    }
    headers["Content-Length"] = length;
    res.writeHead(200, this.decorate(req, headers, initial));
    res.end(payload);
    this.handler?.onTransportDrain(this);
  }

  /** Common response headers (§A4): `cache-control: no-store`, X-XSS-Protection for old IE, hooks. */
  private decorate(
    req: IncomingMessage,
    headers: OutgoingHttpHeaders,
    initial: boolean,
  ): OutgoingHttpHeaders {
    const ua = req.headers["user-agent"];
    if (ua !== undefined && (ua.includes(";MSIE") || ua.includes("Trident/")))
      headers["X-XSS-Protection"] = "0";
    headers["cache-control"] = "no-store";
    this.server._decorateHeaders(headers, req, initial ? this.sid : null);
    return headers;
  }

  close(): void {
    if (DEBUG) debug("session %s: closing polling", this.sid);
    if (this.readyState === "closing") {
      // Waiting for a poll to carry `1`: a discard or the end of the session finishes it now.
      if (this.discarded || this.handler === null) this.finishClose();
      return;
    }
    if (this.readyState !== "open") return;
    this.readyState = "closing";
    const data = this.dataRes;
    if (data !== null) {
      const req = this.dataReq;
      this.releaseData();
      if (data instanceof OwnedConnection) data.destroy();
      else req?.destroy();
    }
    if (this.writable) {
      this.send([CLOSE_RECORD], false);
      this.finishClose();
    } else if (this.discarded || this.handler === null) {
      // Detached (the session is gone from the registry): no poll can reach us any more.
      this.finishClose();
    } else {
      this.shouldClose = true;
      this.closeTimer = setTimeout(onCloseTimeout, CLOSE_TIMEOUT_MS, this);
    }
  }

  /** @internal */
  finishClose(): void {
    if (this.readyState === "closed") return;
    this.shouldClose = false;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.readyState = "closed";
    this.handler?.onTransportClose(this);
  }

  discard(): void {
    this.discarded = true;
  }

  detach(): void {
    this.handler = null;
  }
}
