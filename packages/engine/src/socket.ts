/**
 * One Engine.IO session (PROTOCOL.md §A2–A8), API-compatible with `engine.io`'s `Socket`.
 *
 * Lean by design (issue 6): no timer of its own (the server's {@link HeartbeatScheduler} links the
 * session itself into its lists), no listener closures (transports call the {@link TransportHandler}
 * methods), no retained `IncomingMessage` (a compact {@link HandshakeRecord}), and the outbound queue
 * is only allocated once something is queued. Writes queued in one batch leave together: one poll
 * response, or one corked set of WebSocket frames. A batch is a tick, or on a busy server an event-loop
 * iteration, so that several callbacks of it (the messages of several clients read in one poll phase)
 * share it (websocket/flush-timing.ts).
 * Layer: engine.
 */

import { EventEmitter } from "node:events";
import {
  ENGINE_PACKET_CODES,
  EngineCloseReasons,
  type EnginePacket,
  type EnginePacketType,
} from "@plexus/protocol";
import createDebug from "debug";
import { closeCodeForDecodeError, closeCodeForReason } from "./close-codes.js";
import { createRequestLike, type HandshakeRecord, type RequestLike } from "./handshake-record.js";
import type { HeartbeatEntry } from "./heartbeat-scheduler.js";
import { PendingUpgrade } from "./pending-upgrade.js";
import type { PreparedPacket } from "./prepared-packet.js";
import type { Server } from "./server.js";
import {
  LANE_EIO3,
  LANE_PING,
  LANE_PONG,
  type RawData,
  type SendCallback,
  type SendOptions,
  type SocketCloseReason,
  type SocketReadyState,
} from "./socket-types.js";
import type { OutItem, Transport, TransportHandler } from "./transport.js";
import type { WebSocketTransport } from "./websocket-transport.js";

/** Session life, packets in and out, heartbeat and upgrade (`DEBUG=plexus:engine:socket`). */
const debug = createDebug("plexus:engine:socket");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

import { CloseCodes } from "./websocket/websocket-error.js";

const CODES = ENGINE_PACKET_CODES;
const COMPRESS = 1;
const FLUSH_SCHEDULED = 2;
const PING_REFRESHED = 4;
const CLOSE_AFTER_FLUSH = 8;
const UPGRADING = 16;
const UPGRADED = 32;
const EIO3 = 64;
const NO_COMPRESS: SendOptions = { compress: false };

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * The listener table of a session. EventEmitter starts with `{ __proto__: null }`, which V8 keeps in
 * dictionary mode (~260 B with three listeners); an instance of this constructor is a fast-mode object
 * (~120 B) and still has no inherited keys (its prototype chain ends in null), which is all EventEmitter
 * needs (`events[type]`, `Reflect.ownKeys`). DESIGN.md principle 1: the per-session cost, not per-message.
 * EventEmitter resets `_events` itself to a plain dictionary after `removeAllListeners()`, which is fine.
 */
function ListenerTable(): void {}
ListenerTable.prototype = Object.create(null);

/**
 * Whether `emitter` has a listener for `event`: one property read, where `listenerCount` is a call
 * that walks the table (the write path asks several times per send). EventEmitter deletes the key of
 * an event whose last listener goes, so `undefined` means none.
 */
export function hasListeners(emitter: EventEmitter, event: string): boolean {
  return (emitter as unknown as { _events: Record<string, unknown> })._events[event] !== undefined;
}

/**
 * Fields most sessions never use (send callbacks, a pending upgrade, middleware extras, the
 * request-like view), kept in one record made on first use: one field per session instead of five
 * (DESIGN.md principle 1).
 */
class RareFields {
  callbacks: SendCallback[] | null = null;
  sentCallbacks: (SendCallback[] | null)[] | null = null;
  upgrade: PendingUpgrade | null = null;
  extras: Record<string, unknown> | null = null;
  request: RequestLike | null = null;
  /** Close code (and reason text) of the WebSocket close frame when the session was closed for a cause. */
  closeCode = 0;
  closeText = "";
}

export class Socket extends EventEmitter implements HeartbeatEntry, TransportHandler {
  /** The session id (`sid`). */
  readonly id: string;
  readonly server: Server;
  /** Compact record of the handshake request. */
  readonly handshake: HandshakeRecord;
  readyState: SocketReadyState = "opening";
  transport: Transport;
  /**
   * Reserved for the layer above (e.g. the Socket.IO client object of this session): a declared field
   * instead of an ad-hoc (symbol) property, which would give every session a property backing store.
   * The engine never reads it.
   */
  owner: unknown = null;

  hbPrev: HeartbeatEntry | null = null;
  hbNext: HeartbeatEntry | null = null;
  hbDeadline = 0;
  hbLane = -1;

  /** @internal outbound items, allocated on first use */
  _queue: OutItem[] | null = null;
  /** @internal */ _queuedBytes = 0;
  /**
   * COMPRESS | FLUSH_SCHEDULED | PING_REFRESHED | CLOSE_AFTER_FLUSH | UPGRADING | UPGRADED | EIO3: six
   * booleans and the protocol revision in one field, 48 bytes less per session (DESIGN.md principle 1).
   */
  private _flags = 0;
  /** Rarely used fields, `null` until one of them is set. */
  private _rare: RareFields | null = null;

  /** @internal Created by the server at the handshake. */
  constructor(
    id: string,
    server: Server,
    transport: Transport,
    handshake: HandshakeRecord,
    protocol: 3 | 4,
    extras: Record<string, unknown> | null,
  ) {
    super();
    (this as unknown as { _events: object })._events = new (ListenerTable as unknown as new () => object)();
    this.id = id;
    this.server = server;
    this.transport = transport;
    this.handshake = handshake;
    if (protocol === 3) this._flags = EIO3;
    if (extras !== null) this._rareFields().extras = extras;
  }

  private _rareFields(): RareFields {
    this._rare ??= new RareFields();
    return this._rare;
  }

  private get _upgrade(): PendingUpgrade | null {
    return this._rare === null ? null : this._rare.upgrade;
  }

  /** Engine.IO protocol revision of the client. */
  get protocol(): 3 | 4 {
    return (this._flags & EIO3) !== 0 ? 3 : 4;
  }

  /** Whether a WebSocket is being probed to replace the polling transport. */
  get upgrading(): boolean {
    return (this._flags & UPGRADING) !== 0;
  }

  set upgrading(value: boolean) {
    this._flags = value ? this._flags | UPGRADING : this._flags & ~UPGRADING;
  }

  /** Whether the session moved to WebSocket. */
  get upgraded(): boolean {
    return (this._flags & UPGRADED) !== 0;
  }

  set upgraded(value: boolean) {
    this._flags = value ? this._flags | UPGRADED : this._flags & ~UPGRADED;
  }

  /** Remote address of the handshake connection (read from the handshake record: one field less per session). */
  get remoteAddress(): string {
    return this.handshake.address;
  }

  /** @internal Whether a flush is scheduled for the end of the batch (polling). */
  get _flushScheduled(): boolean {
    return (this._flags & FLUSH_SCHEDULED) !== 0;
  }

  /**
   * A request-like view of the handshake (`headers`, `url`, `method`, `connection.remoteAddress`, and the
   * properties middlewares added to the real request, e.g. `session`). The real request is not kept.
   */
  get request(): RequestLike {
    const rare = this._rareFields();
    rare.request ??= createRequestLike(this.handshake, rare.extras);
    return rare.request;
  }

  /** Assigning `null` (the Socket.IO memory tip) drops the middleware properties kept for it. */
  set request(value: RequestLike | null) {
    if (value === null) {
      if (this._rare !== null) this._rare.request = this._rare.extras = null;
      return;
    }
    this._rareFields().request = value;
  }

  /**
   * Bytes waiting to leave this session: those queued in it (what `maxOutboundBytes` bounds; text counted
   * in UTF-16 units) plus those its transport accepted but has not handed to the kernel yet.
   */
  get bufferedAmount(): number {
    return this._queuedBytes + (this.transport.bufferedAmount ?? 0);
  }

  /** @internal Sends the open packet and starts the heartbeat (PROTOCOL.md §A2, §A6). */
  _open(openPacket: string, initialPacket: RawData | undefined): void {
    this.readyState = "open";
    this._enqueue(openPacket, openPacket.length, false);
    if (initialPacket !== undefined) this.sendPacket("message", initialPacket);
    this.emit("open");
    this.server._scheduler.schedule(this, this.protocol === 3 ? LANE_EIO3 : LANE_PING);
  }

  /** Sends a message. */
  send(data: RawData, options?: SendOptions | SendCallback, callback?: SendCallback): this {
    this.sendPacket("message", data, options, callback);
    return this;
  }

  /** Alias of {@link send}. */
  write(data: RawData, options?: SendOptions | SendCallback, callback?: SendCallback): this {
    this.sendPacket("message", data, options, callback);
    return this;
  }

  /**
   * Whether the transport can take a packet right now, what a volatile packet needs. engine.io writes
   * each packet at once and its transport stays unwritable until that write is done: a long poll is
   * answered by the first packet, and a WebSocket is busy until the socket took the previous frames.
   * Plexus writes per batch, so the equivalent is: writable, nothing queued, and on WebSocket nothing
   * written in this batch or still buffered by the socket.
   */
  get writableNow(): boolean {
    const transport = this.transport;
    if (!transport.writable || this._queuedBytes > 0) return false;
    return transport.name !== "websocket" || !(transport as WebSocketTransport).writing;
  }

  /**
   * Sends a packet prepared once for many sessions ({@link Server.prepare}). A volatile packet is dropped
   * unless the transport can take it now ({@link writableNow}). Returns whether it was queued.
   */
  sendPrepared(prepared: PreparedPacket, volatile = false): boolean {
    if (DEBUG) debug("session %s: sending a prepared packet (%d bytes)", this.id, prepared.byteLength);
    if (this.readyState !== "open" && this.readyState !== "opening") return false;
    const stats = this.server._stats;
    if (volatile && !this.writableNow) {
      if (stats !== null) stats.volatileDrops++;
      return false;
    }
    if (this.protocol === 3) {
      for (const m of prepared.messages) this.sendPacket("message", m, { compress: prepared.compress });
      if (stats !== null) stats.preparedDeliveries++;
      return true;
    }
    // One property read when nobody meters packets; otherwise one event per message, as `sendPacket`.
    if (hasListeners(this, "packetCreate")) this._emitPacketCreate(prepared);
    const queued = this._enqueue(prepared, prepared.byteLength, prepared.compress);
    if (queued && stats !== null) stats._delivered(prepared);
    return queued;
  }

  private _emitPacketCreate(prepared: PreparedPacket): void {
    const options = { compress: prepared.compress };
    for (const data of prepared.messages) this.emit("packetCreate", { type: "message", data, options });
  }

  /** @internal Low-level send of any packet type, as `engine.io`'s `sendPacket`. */
  sendPacket(
    type: EnginePacketType,
    data?: RawData,
    options?: SendOptions | SendCallback,
    callback?: SendCallback,
  ): void {
    if (DEBUG) debug("session %s: sending %s packet", this.id, type);
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    if (this.readyState === "closing" || this.readyState === "closed") return;
    if (options?.volatile === true && !this.writableNow) {
      if (this.server._stats !== null) this.server._stats.volatileDrops++;
      return;
    }
    const compress = options?.compress !== false;
    if (hasListeners(this, "packetCreate")) {
      this.emit("packetCreate", { type, data, options: { compress } });
    }
    let item: OutItem;
    let size: number;
    if (data === undefined || data === null) {
      item = CODES[type];
      size = 1;
    } else if (typeof data === "string") {
      item = CODES[type] + data;
      size = item.length;
    } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      item = toBytes(data);
      size = item.byteLength;
    } else {
      // Like engine.io-parser: anything else is sent as its string form.
      item = CODES[type] + String(data);
      size = item.length;
    }
    if (typeof callback === "function") {
      const rare = this._rareFields();
      rare.callbacks ??= [];
      rare.callbacks.push(callback);
    }
    if (this._enqueue(item, size, compress) && type === "message" && this.server._stats !== null) {
      this.server._stats._sent(item);
    }
  }

  /** @internal Queues an encoded item and schedules the flush; closes a slow consumer. */
  _enqueue(item: OutItem, size: number, compress: boolean): boolean {
    const limit = this.server.opts.maxOutboundBytes;
    if (this._queuedBytes + size > limit && this._queuedBytes > 0) {
      this._onClose(EngineCloseReasons.SLOW_CONSUMER, new Error(`outbound buffer above ${limit} bytes`));
      return false;
    }
    const transport = this.transport;
    const rare = this._rare;
    if (
      transport.name === "websocket" &&
      transport.writable &&
      (this._queue === null || this._queue.length === 0) &&
      (rare === null || (rare.callbacks === null && rare.sentCallbacks === null)) &&
      !hasListeners(this, "flush") &&
      !hasListeners(this.server, "flush")
    ) {
      // Fast path (every WebSocket send without backlog): no queue, no array.
      transport.sendOne(item, compress);
      if (hasListeners(this, "drain")) this.emit("drain");
      this.server._emitDrain(this);
      return true;
    }
    this._queue ??= [];
    this._queue.push(item);
    this._queuedBytes += size;
    if (compress) this._flags |= COMPRESS;
    if (transport.name === "websocket") {
      // The WebSocket connection holds its writes to the end of the batch: writing now is still one syscall.
      this.flush();
    } else if ((this._flags & FLUSH_SCHEDULED) === 0) {
      this._flags |= FLUSH_SCHEDULED;
      this.server._scheduleFlush(this);
    }
    return true;
  }

  /** Writes the queued packets if the transport can take them now. */
  flush(): void {
    this._flags &= ~FLUSH_SCHEDULED;
    const queue = this._queue;
    if (this.readyState === "closed" || queue === null || queue.length === 0) return;
    const transport = this.transport;
    if (!transport.writable) return;
    if (DEBUG) debug("session %s: flushing %d packets", this.id, queue.length);
    if (hasListeners(this, "flush")) this.emit("flush", queue);
    this.server._emitFlush(this, queue);
    const compress = (this._flags & COMPRESS) !== 0;
    this._flags &= ~COMPRESS;
    this._queuedBytes = 0;
    const rare = this._rare;
    if (rare !== null && (rare.callbacks !== null || rare.sentCallbacks !== null)) {
      rare.sentCallbacks ??= [];
      rare.sentCallbacks.push(rare.callbacks);
      rare.callbacks = null;
    }
    // The drained array is not kept for reuse: an idle session then holds no queue at all (DESIGN.md
    // principle 1), and `_queue === null` is what lets the next WebSocket send take the fast path.
    this._queue = null;
    transport.send(queue, compress);
    if (hasListeners(this, "drain")) this.emit("drain");
    this.server._emitDrain(this);
    if ((this._flags & CLOSE_AFTER_FLUSH) !== 0 && this.readyState === "closing") {
      this._flags &= ~CLOSE_AFTER_FLUSH;
      this._closeTransport(false);
    }
  }

  /**
   * Closes the session: queued packets are written first, then the transport is closed ("forced close").
   * With `discard`, the transport is dropped without waiting.
   */
  close(discard?: boolean): void {
    if (discard === true && (this.readyState === "open" || this.readyState === "closing")) {
      this._closeTransport(true);
      return;
    }
    if (this.readyState !== "open") return;
    this.readyState = "closing";
    if (this._queue !== null && this._queue.length > 0) {
      this._flags |= CLOSE_AFTER_FLUSH;
      this.flush();
      return;
    }
    this._closeTransport(false);
  }

  /**
   * Closes the session because its peer sent input the layer above could not decode (e.g. a Socket.IO
   * `ProtocolError`): as `close()` (queued packets are written first, the close reason is the same), and a
   * WebSocket transport's close frame names the fault — 1002 protocol error or 1007 invalid payload data,
   * with the error's code as the reason text (close-codes.ts).
   */
  closeOnDecodeError(error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    this._setCloseCode(closeCodeForDecodeError(error), typeof code === "string" ? code : "");
    this.close();
  }

  /** @internal The close frame of a WebSocket transport will carry `code` and `text`. */
  _setCloseCode(code: number, text: string): void {
    const rare = this._rareFields();
    rare.closeCode = code;
    rare.closeText = text;
  }

  private _closeTransport(discard: boolean): void {
    if (discard) this.transport.discard();
    this.readyState = "closing";
    const rare = this._rare;
    if (rare === null || rare.closeCode === 0) this.transport.close();
    else this.transport.close(rare.closeCode, rare.closeText);
  }

  // ---- heartbeat (PROTOCOL.md §A6) -------------------------------------------------------------

  /** @internal Called by the scheduler. */
  _onHeartbeat(lane: number): void {
    if (DEBUG) debug("session %s: %s", this.id, lane === LANE_PING ? "ping" : "no pong in time");
    if (this.readyState === "closed") return;
    if (lane === LANE_PING) {
      this._flags &= ~PING_REFRESHED;
      this.server._scheduler.schedule(this, LANE_PONG);
      this.sendPacket("ping", undefined, NO_COMPRESS);
    } else {
      this._onClose(EngineCloseReasons.PING_TIMEOUT);
    }
  }

  // ---- transport events --------------------------------------------------------------------------

  /** @internal */
  onTransportPacket(transport: Transport, packet: EnginePacket): void {
    if (DEBUG) debug("session %s: received %s packet on %s", this.id, packet.type, transport.name);
    if (transport !== this.transport) {
      if (this._upgrade?.transport === transport) this._upgrade.onPacket(packet);
      return;
    }
    if (this.readyState !== "open") return;
    if (hasListeners(this, "packet")) this.emit("packet", packet);
    const scheduler = this.server._scheduler;
    // Any traffic while a pong is awaited proves the peer alive: extend the timeout once (engine.io ≥ 6.6.10).
    if (this.hbLane === LANE_PONG && (this._flags & PING_REFRESHED) === 0 && packet.type !== "pong") {
      this._flags |= PING_REFRESHED;
      scheduler.schedule(this, LANE_PONG);
    }
    switch (packet.type) {
      case "ping":
        if (this.protocol !== 3) {
          this._onError("invalid heartbeat direction");
          return;
        }
        scheduler.schedule(this, LANE_EIO3);
        this.sendPacket("pong");
        this.emit("heartbeat");
        return;
      case "pong":
        if (this.protocol === 3) {
          this._onError("invalid heartbeat direction");
          return;
        }
        scheduler.schedule(this, LANE_PING);
        this.emit("heartbeat");
        return;
      case "message":
        this._emitMessage(packet.data!);
        return;
      case "close":
        // §A8: the official server ignores `1` over WebSocket; closing right away is better (polling
        // handles `1` in its transport so the pending poll gets `6`).
        this._onClose(EngineCloseReasons.TRANSPORT_CLOSE);
        return;
      default:
        return;
    }
  }

  /**
   * @internal The hot path of every inbound message (`4…` text or a binary message): no packet object
   * is built unless someone listens to `packet` (DESIGN.md principle 1: per-message work stays minimal).
   */
  onTransportMessage(transport: Transport, data: string | Buffer): void {
    if (DEBUG)
      debug(
        "session %s: received message (%s) on %s",
        this.id,
        typeof data === "string" ? "text" : "binary",
        transport.name,
      );
    if (transport !== this.transport || this.readyState !== "open" || this.hbLane === LANE_PONG) {
      // Rare cases (upgrade probe, closing session, heartbeat refresh) take the general path.
      this.onTransportPacket(transport, { type: "message", data });
      return;
    }
    if (hasListeners(this, "packet")) this.emit("packet", { type: "message", data });
    this._emitMessage(data);
  }

  /**
   * `data` then `message`, as engine.io. `emit` takes rest arguments (an array per call): skip the one
   * nobody listens to — Socket.IO listens to `message` only.
   */
  private _emitMessage(data: string | Uint8Array): void {
    if (this.server._stats !== null) this.server._stats._received(data);
    if (hasListeners(this, "data")) this.emit("data", data);
    this.emit("message", data);
  }

  /** @internal */
  onTransportReady(transport: Transport): void {
    if (transport === this.transport) this.flush();
  }

  /** @internal */
  onTransportDrain(transport: Transport): void {
    if (transport !== this.transport) return;
    const rare = this._rare;
    const sent = rare === null ? null : rare.sentCallbacks;
    if (rare !== null && sent !== null && sent.length > 0) {
      const fns = sent.shift();
      // Back to the allocation-free path once every callback has run.
      if (sent.length === 0 && rare.callbacks === null) rare.sentCallbacks = null;
      if (fns) for (const fn of fns) fn(transport);
    }
  }

  /** @internal */
  onTransportError(transport: Transport, message: string, description?: unknown): void {
    if (transport === this.transport) this._onError(message, description);
    else if (this._upgrade?.transport === transport) this._cancelUpgrade();
  }

  /** @internal */
  onTransportParseError(transport: Transport): void {
    if (transport === this.transport) this._onClose(EngineCloseReasons.PARSE_ERROR);
    else if (this._upgrade?.transport === transport) this._cancelUpgrade();
  }

  /** @internal */
  onTransportClose(transport: Transport): void {
    if (transport === this.transport) {
      this._onClose(
        this.readyState === "closing" ? EngineCloseReasons.FORCED_CLOSE : EngineCloseReasons.TRANSPORT_CLOSE,
      );
    } else if (this._upgrade?.transport === transport) {
      this._cancelUpgrade();
    }
  }

  private _onError(message: string, description?: unknown): void {
    const err = new Error(message) as Error & { type: string; description?: unknown };
    err.type = "TransportError";
    if (description !== undefined) err.description = description;
    this._onClose(EngineCloseReasons.TRANSPORT_ERROR, err);
  }

  /** @internal Ends the session once; `close` is emitted with the reason. */
  _onClose(reason: SocketCloseReason, description?: unknown): void {
    if (DEBUG && this.readyState !== "closed") debug("session %s closed: %s", this.id, reason);
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    if (this.server._stats !== null) this.server._stats._closed(reason);
    this.server._scheduler.cancel(this);
    if (this._upgrade !== null) this._cancelUpgrade();
    this._queue = null;
    this._queuedBytes = 0;
    if (this._rare !== null) this._rare.callbacks = this._rare.sentCallbacks = null;
    const transport = this.transport;
    transport.detach();
    const code = this._rare?.closeCode || closeCodeForReason(reason);
    // A normal closure stays the bare `1000` engine.io sends; a fault says which in the reason text.
    transport.close(code, code === CloseCodes.NORMAL ? "" : this._rare?.closeText || reason);
    this.server._removeClient(this);
    this.emit("close", reason, description);
  }

  // ---- upgrade (PROTOCOL.md §A7) -----------------------------------------------------------------

  /** @internal A WebSocket arrived with this session's sid. */
  _maybeUpgrade(transport: Transport): void {
    if (DEBUG) debug("session %s: upgrade to %s started", this.id, transport.name);
    this.upgrading = true;
    this._rareFields().upgrade = new PendingUpgrade(this, transport, this.server.opts.upgradeTimeout);
  }

  /** @internal `5` arrived on the probing WebSocket: it becomes the transport, the backlog is flushed on it. */
  _completeUpgrade(upgrade: PendingUpgrade): void {
    if (DEBUG) debug("session %s: upgraded to %s", this.id, upgrade.transport.name);
    upgrade.stop();
    this._rareFields().upgrade = null;
    this.upgrading = false;
    const old = this.transport;
    old.discard();
    old.detach();
    old.close();
    this.upgraded = true;
    this.transport = upgrade.transport;
    this.emit("upgrade", upgrade.transport);
    this.flush();
    if (this.readyState === "closing") this.transport.close();
  }

  /** @internal Abandons the upgrade: the WebSocket is closed, polling goes on (§A7 step 4). */
  _cancelUpgrade(): void {
    if (DEBUG) debug("session %s: upgrade abandoned", this.id);
    const upgrade = this._upgrade;
    if (upgrade === null) return;
    this._rareFields().upgrade = null;
    this.upgrading = false;
    upgrade.stop();
    upgrade.transport.detach();
    upgrade.transport.close();
  }

  /** @internal Answers a pending poll with `6` so the client can finish the upgrade (§A7 step 2). */
  _writeNoop(): void {
    const t = this.transport;
    if (t.name === "polling" && t.writable) t.send([CODES.noop], false);
  }
}
