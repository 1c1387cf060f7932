/**
 * One client's presence in one namespace (PROTOCOL.md §B3–B5): its id, rooms, events, acks and
 * per-packet middleware. Everything optional lives in one {@link SocketExtras} record made on first
 * use (acks, flags, middleware, catch-all listeners, handshake, recovery state), so an idle socket
 * stays small (issue 6; DESIGN.md principle 1): 11 fields and a fast-mode listener table.
 */

import { EventEmitter } from "node:events";
import {
  type AdapterSocket,
  type BroadcastFlags,
  newId,
  type PreparedPacket,
  type PrivateSessionId,
  type RestoredSession,
  type Room,
  type SocketId,
} from "@plexus/adapter";
import { TokenBucket } from "@plexus/engine";
import {
  type DisconnectReason,
  DisconnectReasons,
  RESERVED_EVENTS,
  type SocketPacket,
  SocketPacketType,
} from "@plexus/protocol";
import createDebug from "debug";
import { reportRejection } from "./adapter-factory.js";
import { callAnyListeners, removeAnyListener } from "./any-listeners.js";
import { BroadcastOperator } from "./broadcast-operator.js";
import type { Client } from "./client.js";
import type { EngineConnection, EngineRequest } from "./engine-connection.js";
import { buildHandshake, type Handshake } from "./handshake.js";
import { LeanEventEmitter, ListenerTable } from "./lean-event-emitter.js";
import type { Namespace } from "./namespace.js";
import { type PacketMiddleware, runPacketMiddlewares } from "./packet-middleware.js";
import type { Server } from "./server.js";
import { ackTimeoutError, eventRateLimitedError, reservedEventError } from "./server-error.js";
import type {
  AckResult,
  AnyListener,
  ArgsWithoutAck,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ListenerOf,
} from "./typed-events.js";

/** Events, acks, rooms and disconnections of each socket (`DEBUG=plexus:socket`). */
const debug = createDebug("plexus:socket");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

/** Events a socket emits by itself. */
export interface SocketReservedEvents {
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  error: (err: Error) => void;
}

/** Reasons after which a session is kept for connection state recovery (PROTOCOL.md §B5). */
const RECOVERABLE_REASONS: ReadonlySet<string> = new Set<string>([
  DisconnectReasons.TRANSPORT_ERROR,
  DisconnectReasons.TRANSPORT_CLOSE,
  DisconnectReasons.FORCED_CLOSE,
  DisconnectReasons.PING_TIMEOUT,
  DisconnectReasons.SERVER_SHUTTING_DOWN,
  DisconnectReasons.FORCED_SERVER_CLOSE,
]);

const NO_ROOMS: ReadonlySet<Room> = new Set();

interface EmitFlags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number;
}

type Ack = (...args: unknown[]) => void;

/**
 * What few sockets use, kept out of the socket itself (issue 6): one record, made on first need,
 * always with the same shape.
 */
interface SocketExtras {
  pid: PrivateSessionId | undefined;
  /** Flags for the next emit (`volatile`, `compress`, `timeout`). */
  flags: EmitFlags | undefined;
  /** Acknowledgements this socket waits for, by id; dropped when empty. */
  acks: Map<number, Ack> | undefined;
  handshake: Handshake | undefined;
  fns: PacketMiddleware[] | undefined;
  anyListeners: AnyListener[] | undefined;
  anyOutgoingListeners: AnyListener[] | undefined;
  /** Recovery: rooms and missed packets to restore when the connection completes. */
  restored: RestoredSession | undefined;
  /** Flood control (`maxEventsPerSecond`), created on the first event when the option is on. */
  eventBucket: TokenBucket | undefined;
}

/** `state` bits. */
const ENDED = 1;
const RECOVERED = 2;

const emitLocal = EventEmitter.prototype.emit;

function deliverIfConnected(socket: Socket, args: unknown[]): void {
  socket._deliverIfConnected(args);
}

/**
 * A socket of a namespace.
 *
 * @example
 * io.on("connection", (socket) => {
 *   socket.join("room1");
 *   socket.on("hello", (name, ack) => ack(`hi ${name}`));
 * });
 */
export class Socket<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = DefaultEventsMap,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    // biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
    SocketData = any,
  >
  extends LeanEventEmitter
  implements AdapterSocket
{
  /** @internal The listener table `EventEmitter.prototype` methods use (see lean-event-emitter.ts). */
  _events: object = new ListenerTable();
  /** @internal */
  _eventsCount = 0;
  /** Fresh random id per namespace connection (never the engine sid, PROTOCOL.md §B3). */
  readonly id: SocketId;
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** @internal */ readonly client: Client;
  connected = false;
  /** The next id for an acknowledgement this socket expects (0, 1, 2, …). */
  nextAckId = 0;

  /** The CONNECT payload; `undefined` when the client sent none (`{}` is made when read). */
  private auth: Record<string, unknown> | undefined;
  private _data: SocketData | undefined;
  private extras: SocketExtras | undefined;
  /** ENDED: left its namespace (or was refused), joining is then a no-op as in Socket.IO. RECOVERED. */
  private state = 0;

  /** @internal Created by the namespace on CONNECT. */
  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Client,
    auth: Record<string, unknown> | undefined,
    previous: RestoredSession | null,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    this.auth = auth;
    if (previous !== null) {
      this.id = previous.sid;
      this._data = previous.data as SocketData;
      this.state = RECOVERED;
      const extras = this.more();
      extras.pid = previous.pid;
      extras.restored = previous;
    } else {
      // Socket.IO protocol 4 (v2 clients, `allowEIO3`): the id is the engine id, prefixed outside `/`;
      // the client computes it the same way since the CONNECT answer carries none. Otherwise a cluster
      // adapter names the node in the id, so a message to this socket goes to one node.
      const adapter = nsp.adapter;
      this.id =
        client.conn.protocol === 3
          ? nsp.name === "/"
            ? client.id
            : `${nsp.name}#${client.id}`
          : adapter.newSocketId === undefined
            ? newId()
            : adapter.newSocketId();
      if (nsp.recovery !== undefined) this.more().pid = newId();
    }
  }

  /** The rarely used parts, allocated on first need. */
  private more(): SocketExtras {
    this.extras ??= {
      pid: undefined,
      flags: undefined,
      acks: undefined,
      handshake: undefined,
      fns: undefined,
      anyListeners: undefined,
      anyOutgoingListeners: undefined,
      restored: undefined,
      eventBucket: undefined,
    };
    return this.extras;
  }

  private get flags(): EmitFlags | undefined {
    return this.extras?.flags;
  }

  private set flags(flags: EmitFlags | undefined) {
    if (flags !== undefined) this.more().flags = flags;
    else if (this.extras !== undefined) this.extras.flags = undefined;
  }

  /**
   * @internal Pending acknowledgements by id, made on first read: `socket.io-adapter` registers a
   * broadcast's ack here (`socket.acks.set(id, fn)`, the id taken from `nsp._ids++`).
   */
  get acks(): Map<number, Ack> {
    const extras = this.more();
    extras.acks ??= new Map();
    return extras.acks;
  }

  private get pendingAcks(): Map<number, Ack> | undefined {
    return this.extras?.acks;
  }

  private set pendingAcks(acks: Map<number, Ack> | undefined) {
    if (acks !== undefined) this.more().acks = acks;
    else if (this.extras !== undefined) this.extras.acks = undefined;
  }

  /** Private session id (connection state recovery only). */
  get pid(): PrivateSessionId | undefined {
    return this.extras?.pid;
  }

  /** Whether this socket got its id and rooms back through connection state recovery. */
  get recovered(): boolean {
    return (this.state & RECOVERED) !== 0;
  }

  get server(): Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    return this.nsp.server;
  }

  get adapter(): Namespace["adapter"] {
    return this.nsp.adapter;
  }

  /** The engine connection this socket travels on. */
  get conn(): EngineConnection {
    return this.client.conn;
  }

  /**
   * A request-like view of the handshake request (`headers`, `url`, `connection.remoteAddress`, and what
   * middlewares added, e.g. `session`): the engine does not keep the `IncomingMessage` (issue 6).
   */
  get request(): EngineRequest {
    return this.client.conn.request;
  }

  get handshake(): Handshake {
    const extras = this.more();
    if (extras.handshake === undefined) {
      this.auth ??= {};
      extras.handshake = buildHandshake(this.client.conn.handshake, this.auth);
    }
    return extras.handshake;
  }

  /** Free-form data attached to the socket (kept across recovery, returned by `fetchSockets`). */
  get data(): SocketData {
    this._data ??= {} as SocketData;
    return this._data;
  }

  /** Assigning saves the session at once when recovery keeps sessions outside the process (across nodes). */
  set data(value: SocketData) {
    this._data = value;
    if (this.connected && this.extras?.pid !== undefined) this.nsp.adapter.updateSession?.(this.id);
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /**
   * Rooms this socket is in (its own id included): the adapter's live set, or a copy when the adapter
   * shares an immutable one (a socket in no other room).
   */
  get rooms(): Set<Room> {
    const rooms = this.nsp.adapter.socketRooms(this.id);
    if (rooms instanceof Set) return rooms as Set<Room>;
    return new Set(rooms ?? NO_ROOMS);
  }

  // ---- typed listeners -----------------------------------------------------------------------------

  override on<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<ListenEvents & SocketReservedEvents, Ev>,
  ): this {
    return super.on(ev, listener);
  }

  override once<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<ListenEvents & SocketReservedEvents, Ev>,
  ): this {
    return super.once(ev, listener);
  }

  // ---- emitting --------------------------------------------------------------------------------------

  /**
   * Sends an event to this client. A trailing function receives the client's acknowledgement (with
   * `timeout()`, an error first when it did not come in time).
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (DEBUG) debug("socket %s: emitting %s", this.id, ev);
    const name = ev as string;
    if (RESERVED_EVENTS.has(name)) throw reservedEventError(name);
    // The rest array is fresh per call: it becomes the packet's data (one array per emit, not two).
    const data = args as unknown[];
    data.unshift(name);
    const flags = this.flags;
    this.flags = undefined;
    let id: number | undefined;
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      id = this.nextAckId++;
      this.registerAck(id, last as Ack, flags?.timeout);
    }
    const packet: SocketPacket =
      id === undefined
        ? { type: SocketPacketType.EVENT, nsp: this.nsp.name, data }
        : { type: SocketPacketType.EVENT, nsp: this.nsp.name, id, data };
    if (this.nsp.recovery !== undefined && id === undefined && flags?.volatile !== true) {
      // Goes through the adapter so the packet gets an offset and is logged (PROTOCOL.md §B5).
      this.nsp.adapter.broadcast(packet, { rooms: new Set([this.id]), except: NO_ROOMS, flags: flags ?? {} });
      return true;
    }
    if (this.extras !== undefined) this.notifyOutgoing(data);
    this.client.writePacket(packet, flags);
    return true;
  }

  /** Emits and resolves with the acknowledgement (rejects on `timeout()`). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: ArgsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>> {
    const withErr = this.flags?.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const ack = (arg1: unknown, arg2: unknown): void => {
        if (!withErr) resolve(arg1 as AckResult<EmitEvents, Ev>);
        else if (arg1 !== null && arg1 !== undefined) reject(arg1);
        else resolve(arg2 as AckResult<EmitEvents, Ev>);
      };
      (this.emit as (ev: string, ...args: unknown[]) => boolean)(ev as string, ...args, ack);
    });
  }

  /** Sends a `message` event. */
  send(...args: EventParams<EmitEvents, "message">): this {
    (this.emit as (ev: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of {@link send}. */
  write(...args: EventParams<EmitEvents, "message">): this {
    return this.send(...args);
  }

  private registerAck(id: number, ack: Ack, timeout: number | undefined): void {
    this.pendingAcks ??= new Map();
    if (timeout === undefined) {
      this.pendingAcks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      this.dropAck(id);
      ack.call(this, ackTimeoutError());
    }, timeout);
    this.pendingAcks.set(id, (...args: unknown[]) => {
      clearTimeout(timer);
      ack.call(this, null, ...args);
    });
  }

  /** Forgets ack `id`, and the map once it is empty (most sockets have no pending ack). */
  private dropAck(id: number): void {
    const acks = this.pendingAcks;
    if (acks === undefined) return;
    acks.delete(id);
    if (acks.size === 0) this.pendingAcks = undefined;
  }

  /** @internal Broadcast acks (AdapterSocket). */
  expectAck(id: number, ack: Ack): void {
    this.pendingAcks ??= new Map();
    this.pendingAcks.set(id, ack);
    if (this.nextAckId <= id) this.nextAckId = id + 1;
  }

  /** @internal */
  forgetAck(ack: Ack): void {
    const acks = this.pendingAcks;
    if (acks === undefined) return;
    for (const [id, fn] of acks) if (fn === ack) this.dropAck(id);
  }

  /** @internal Writes a packet prepared once for a broadcast (AdapterSocket). */
  writePrepared(prepared: PreparedPacket, flags: BroadcastFlags | undefined): void {
    if (this.extras !== undefined) this.notifyOutgoing(prepared.packet.data as unknown[]);
    this.client.writePrepared(prepared, flags);
  }

  /** @internal `socket.io-adapter` tells the socket of a broadcast it writes itself (`onAnyOutgoing` listeners). */
  notifyOutgoingListeners(packet: { readonly data?: unknown }): void {
    if (this.extras !== undefined && Array.isArray(packet.data)) this.notifyOutgoing(packet.data);
  }

  private notifyOutgoing(data: unknown[]): void {
    if (this.extras !== undefined) callAnyListeners(this.extras.anyOutgoingListeners, this, data);
  }

  // ---- flags and operators ---------------------------------------------------------------------------

  /** The next emit may not be compressed when `false`. */
  compress(compress: boolean): this {
    this.flags = { ...this.flags, compress };
    return this;
  }

  /** The next emit is dropped if the transport cannot take it now. */
  get volatile(): this {
    this.flags = { ...this.flags, volatile: true };
    return this;
  }

  /** The acknowledgement of the next emit must arrive within `timeout` ms (the callback then gets an error first). */
  timeout(
    timeout: number,
  ): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.flags = { ...this.flags, timeout };
    return this as unknown as Socket<
      ListenEvents,
      DecorateAcknowledgements<EmitEvents>,
      ServerSideEvents,
      SocketData
    >;
  }

  /** An operator excluding this socket, targeting `rooms`, with the pending flags (one object, one or two sets). */
  private operator(
    rooms: ReadonlySet<Room> = NO_ROOMS,
  ): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    const flags = this.flags;
    if (flags === undefined) return new BroadcastOperator(this.nsp.adapter, rooms, new Set([this.id]));
    this.flags = undefined;
    return new BroadcastOperator(this.nsp.adapter, rooms, new Set([this.id]), flags);
  }

  /** Every other socket of the namespace. */
  get broadcast(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator();
  }

  /** Every other socket of the namespace on this node. */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().local;
  }

  /** The members of `room`, this socket excluded. */
  to(
    room: Room | readonly Room[],
  ): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator(typeof room === "string" ? new Set([room]) : new Set(room));
  }

  /** Alias of {@link to}. */
  in(
    room: Room | readonly Room[],
  ): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.to(room);
  }

  /** Every other socket but the members of `room`. */
  except(
    room: Room | readonly Room[],
  ): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator().except(room);
  }

  // ---- rooms ------------------------------------------------------------------------------------------

  /** Joins rooms (allowed from connection middlewares already; a no-op once the socket has left). */
  join(rooms: Room | readonly Room[]): Promise<void> | void {
    if (DEBUG) debug("socket %s: join %j", this.id, rooms);
    if ((this.state & ENDED) !== 0) return;
    return this.nsp.adapter.addAll(this.id, typeof rooms === "string" ? [rooms] : rooms);
  }

  leave(room: Room): Promise<void> | void {
    if (DEBUG) debug("socket %s: leave %s", this.id, room);
    return this.nsp.adapter.del(this.id, room);
  }

  // ---- middleware and catch-all listeners ---------------------------------------------------------------

  /** Adds a per-packet middleware. */
  use(fn: PacketMiddleware): this {
    const extras = this.more();
    extras.fns ??= [];
    extras.fns.push(fn);
    return this;
  }

  onAny(listener: AnyListener): this {
    const extras = this.more();
    extras.anyListeners ??= [];
    extras.anyListeners.push(listener);
    return this;
  }

  prependAny(listener: AnyListener): this {
    const extras = this.more();
    extras.anyListeners ??= [];
    extras.anyListeners.unshift(listener);
    return this;
  }

  offAny(listener?: AnyListener): this {
    if (this.extras !== undefined) {
      this.extras.anyListeners = removeAnyListener(this.extras.anyListeners, listener);
    }
    return this;
  }

  listenersAny(): AnyListener[] {
    return this.extras?.anyListeners ?? [];
  }

  onAnyOutgoing(listener: AnyListener): this {
    const extras = this.more();
    extras.anyOutgoingListeners ??= [];
    extras.anyOutgoingListeners.push(listener);
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    const extras = this.more();
    extras.anyOutgoingListeners ??= [];
    extras.anyOutgoingListeners.unshift(listener);
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    if (this.extras !== undefined) {
      this.extras.anyOutgoingListeners = removeAnyListener(this.extras.anyOutgoingListeners, listener);
    }
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return this.extras?.anyOutgoingListeners ?? [];
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  /**
   * @internal The namespace accepted the socket: join its own room (and the recovered ones), replay
   * missed packets, then answer `40{"sid":…}` (PROTOCOL.md §B3, §B5: replay comes before the reply).
   */
  _onconnect(): void {
    this.connected = true;
    const extras = this.extras;
    const restored = extras?.restored;
    if (extras !== undefined && restored !== undefined) {
      extras.restored = undefined;
      this.nsp.adapter.addAll(this.id, [this.id, ...restored.rooms]);
      for (const data of restored.missedPackets) {
        this.client.writePacket({ type: SocketPacketType.EVENT, nsp: this.nsp.name, data }, undefined);
      }
    } else {
      this.nsp.adapter.addAll(this.id, [this.id]);
    }
    if (this.client.conn.protocol === 3) {
      // Protocol 4 answers a bare `0` (`40/nsp,`).
      this.client.writePacket({ type: SocketPacketType.CONNECT, nsp: this.nsp.name }, undefined);
      return;
    }
    const pid = this.pid;
    const reply = pid === undefined ? { sid: this.id } : { sid: this.id, pid };
    this.client.writePacket({ type: SocketPacketType.CONNECT, nsp: this.nsp.name, data: reply }, undefined);
  }

  /** @internal A packet for this namespace arrived from the client. */
  _onpacket(packet: SocketPacket): void {
    switch (packet.type) {
      case SocketPacketType.EVENT:
      case SocketPacketType.BINARY_EVENT:
        this.onevent(packet);
        break;
      case SocketPacketType.ACK:
      case SocketPacketType.BINARY_ACK:
        this.onack(packet);
        break;
      case SocketPacketType.DISCONNECT:
        this._onclose(DisconnectReasons.CLIENT_NAMESPACE_DISCONNECT);
        break;
    }
  }

  private onevent(packet: SocketPacket): void {
    const rate = this.nsp.server._eventsPerSecond;
    if (rate !== 0 && !this.admitEvent(rate)) return;
    if (DEBUG)
      debug(
        "socket %s: received event %s%s",
        this.id,
        (packet.data as unknown[])[0],
        packet.id === undefined ? "" : ` (ack ${packet.id})`,
      );
    // The decoded array is handed on as the listener arguments: no copy (DESIGN.md principle 2).
    const args = packet.data as unknown[];
    if (packet.id !== undefined) args.push(this.ackFor(packet.id));
    const extras = this.extras;
    if (extras !== undefined) {
      callAnyListeners(extras.anyListeners, this, args);
      const fns = extras.fns;
      if (fns !== undefined && fns.length > 0) {
        runPacketMiddlewares(this, fns, args);
        return;
      }
    }
    // As Socket.IO: the handler runs once the rest of the read is processed, and only if the socket is
    // still connected then (a DISCONNECT read in the same go drops the event). No closure: the tick
    // queue takes the arguments.
    process.nextTick(deliverIfConnected, this, args);
  }

  /** @internal The deferred half of {@link onevent}. */
  _deliverIfConnected(args: unknown[]): void {
    if (this.connected) this.deliver(args);
  }

  /** Flood control: takes a token of this socket's bucket, or drops the event and emits `error`. */
  private admitEvent(rate: number): boolean {
    const extras = this.more();
    const now = performance.now();
    extras.eventBucket ??= new TokenBucket(rate, now);
    if (extras.eventBucket.take(now)) return true;
    this._onerror(eventRateLimitedError(rate));
    return false;
  }

  /** @internal After the per-packet middlewares. */
  _dispatch(args: unknown[], err: Error | undefined): void {
    if (err !== undefined) {
      this._onerror(err);
      return;
    }
    if (this.connected) this.deliver(args);
  }

  /**
   * Hands a client event to the listeners. A client event named "error" with no listener is dropped:
   * EventEmitter would throw it (Socket.IO installs a no-op listener for the same reason).
   */
  private deliver(args: unknown[]): void {
    const name = args[0] as string;
    if (name !== "error") {
      // Fast path, one listener (the usual case): what `emit` does, without its rest-argument array.
      const handler = (this._events as Record<string, unknown>)[name];
      if (handler === undefined) return;
      if (typeof handler === "function") {
        args.shift();
        (handler as (...a: unknown[]) => void).apply(this, args);
        return;
      }
    } else if (this.listenerCount("error") === 0) return;
    emitLocal.apply(this, args as [string, ...unknown[]]);
  }

  /** An acknowledgement function for a client event: sends `3<id>[...]` at most once (PROTOCOL.md §B4). */
  private ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.client.writePacket({ type: SocketPacketType.ACK, nsp: this.nsp.name, id, data: args }, undefined);
    };
  }

  private onack(packet: SocketPacket): void {
    if (DEBUG) debug("socket %s: received ack %s", this.id, packet.id);
    const id = packet.id;
    if (id === undefined) return;
    const ack = this.pendingAcks?.get(id);
    // Unknown ids are ignored (PROTOCOL.md §B4).
    if (ack === undefined) return;
    this.dropAck(id);
    ack.apply(this, packet.data as unknown[]);
  }

  /** @internal */
  _onerror(err: Error): void {
    if (this.listenerCount("error") > 0) emitLocal.call(this, "error", err);
  }

  /** @internal Leaves the namespace with `reason` (Socket.IO's reasons). */
  _onclose(reason: DisconnectReason | string, description?: unknown): void {
    if (DEBUG && this.connected) debug("socket %s: disconnected (%s)", this.id, reason);
    if (!this.connected) return;
    const stats = this.nsp.server._stats;
    if (stats !== null) stats._disconnected(this.nsp, reason);
    emitLocal.call(this, "disconnecting", reason, description);
    if (this.nsp.recovery !== undefined && this.pid !== undefined && RECOVERABLE_REASONS.has(reason)) {
      reportRejection(
        this.nsp.adapter.persistSession({
          sid: this.id,
          pid: this.pid,
          rooms: [...this.rooms],
          data: this._data,
        }),
        "persistSession",
      );
    }
    this._cleanup();
    this.client._remove(this as unknown as Socket);
    this.connected = false;
    emitLocal.call(this, "disconnect", reason, description);
  }

  /** @internal */
  _cleanup(): void {
    this.state |= ENDED;
    this.nsp.adapter.delAll(this.id);
    this.nsp._remove(this);
  }

  /**
   * Leaves the namespace (the client gets `41`, reason "io server disconnect"); with `close`, closes the
   * whole engine connection, leaving every namespace.
   */
  disconnect(close = false): this {
    if (DEBUG) debug("socket %s: disconnect(%s)", this.id, close);
    if (!this.connected) return this;
    if (close) {
      this.client._disconnect();
    } else {
      this.client.writePacket({ type: SocketPacketType.DISCONNECT, nsp: this.nsp.name }, undefined);
      this._onclose(DisconnectReasons.SERVER_NAMESPACE_DISCONNECT);
    }
    return this;
  }
}
