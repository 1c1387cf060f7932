/**
 * A Socket is one namespace on a Manager's connection (PROTOCOL.md §B3–B5): it joins with CONNECT (auth,
 * recovery `pid`/`offset`), emits events with acks, buffers while disconnected, retries with an
 * at-least-once queue, and reports `connect` / `connect_error` / `disconnect` with Socket.IO's reasons.
 *
 * Delivery: at-most-once by default; with `retries` an event is re-sent until acked (at-least-once), in order,
 * one at a time. Events emitted while disconnected wait in `sendBuffer` (volatile ones are dropped).
 */

import {
  type DisconnectReasons,
  RESERVED_EVENTS,
  type SocketPacket,
  SocketPacketType,
} from "@plexus/protocol";
import createDebug from "debug";
import { Emitter } from "./emitter.js";
import type { CloseDescription } from "./engine/engine-socket.js";
import { ClientError, ClientErrorCodes } from "./errors.js";
import type { Manager, ManagerCloseReason, OutgoingSocketPacket } from "./manager.js";
import { type AckFn, type EmitFlags, RetryQueue } from "./retry-queue.js";
import type {
  AllButLast,
  AnyListener,
  DecorateAcknowledgements,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
} from "./typed-events.js";

/** Namespace connections and disconnections (`DEBUG=plexus:client`). */
const debug = createDebug("plexus:client");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

export interface SocketOptions {
  /** Sent with CONNECT (`socket.handshake.auth` on the server); a function is called on every connection. */
  auth: object | ((cb: (data: object) => void) => void);
  /** Re-send each event until acked, at most this many extra times (at-least-once queue). */
  retries: number;
  /** Default timeout of acks in ms (required with `retries`). */
  ackTimeout: number;
}

interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: Error) => void;
  /** `description` as socket.io-client's: see `Socket.DisconnectDescription`. */
  disconnect: (reason: Socket.DisconnectReason, description?: Socket.DisconnectDescription) => void;
}

type Unsubscribe = () => void;

/**
 * @example
 * const socket = io("http://localhost:3000", { auth: { token: "abc" } });
 * socket.on("news", (item) => console.log(item));
 * const reply = await socket.timeout(5000).emitWithAck("hello", "world");
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends Emitter<ListenEvents, SocketReservedEvents> {
  readonly io: Manager<ListenEvents, EmitEvents>;
  readonly nsp: string;
  /** Id of the socket in its namespace on the server (not the engine id); set while connected. */
  id: string | undefined;
  connected = false;
  /** Whether the last connection recovered the previous session (connection state recovery). */
  recovered = false;
  auth: SocketOptions["auth"] | undefined;
  /** Events received before the CONNECT reply, emitted once connected. */
  receiveBuffer: unknown[][] = [];
  /** Packets emitted while disconnected, sent once connected. */
  sendBuffer: OutgoingSocketPacket[] = [];
  private readonly opts: Partial<SocketOptions>;
  private readonly retryQueue: RetryQueue | undefined;
  /** A CONNECT was sent on the current engine connection and awaits its reply (never join twice, §B3). */
  private joining = false;
  private ids = 0;
  private acks: Record<number, AckFn> = {};
  private flags: EmitFlags = {};
  private subs: Unsubscribe[] | undefined;
  private anyListeners: AnyListener[] = [];
  private anyOutgoingListeners: AnyListener[] = [];
  /** Private session id and last offset of connection state recovery (§B5). */
  private pid: string | undefined;
  private lastOffset: string | undefined;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts: Partial<SocketOptions>) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.opts = opts;
    this.auth = opts.auth;
    if (opts.retries) {
      this.retryQueue = new RetryQueue(
        opts.retries,
        () => this.connected,
        (args, flags) => {
          this.flags = flags;
          this.dispatchOut(args);
        },
      );
    }
    if (io.opts.autoConnect !== false) this.open();
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** True while the socket is subscribed to its Manager (it will reconnect), even if not connected now. */
  get active(): boolean {
    return this.subs !== undefined;
  }

  /** Connects (or reconnects after `disconnect()`). */
  connect(): this {
    if (this.connected) return this;
    if (this.subs === undefined) {
      const io = this.io;
      const sub = (ev: "open" | "error" | "close", fn: (...args: never[]) => void): Unsubscribe => {
        io.on(ev, fn as never);
        return () => io.off(ev, fn as never);
      };
      this.subs = [
        sub("open", () => this.onOpen()),
        sub("error", (err: Error) => {
          if (!this.connected) this.emitReserved("connect_error", err);
        }),
        sub("close", (reason: ManagerCloseReason, description?: Socket.DisconnectDescription) =>
          this.onClose(reason, description),
        ),
      ];
    }
    if (!this.io._reconnecting) this.io.open();
    if (this.io._readyState === "open") this.onOpen();
    return this;
  }

  /** Alias of `connect`. */
  open(): this {
    return this.connect();
  }

  /** Emits a `message` event. */
  send(...args: unknown[]): this {
    this.dispatchOut(["message", ...args]);
    return this;
  }

  /**
   * Emits an event; a function as last argument receives the server's acknowledgement.
   * Throws on a reserved event name (`connect`, `disconnect`, ...).
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
    if (RESERVED_EVENTS.has(ev as string)) throw new Error(`"${String(ev)}" is a reserved event name`);
    this.dispatchOut([ev, ...args]);
    return this;
  }

  private dispatchOut(args: unknown[]): void {
    const flags = this.flags;
    this.flags = {};
    if (this.retryQueue && !flags.fromQueue && !flags.volatile) {
      this.retryQueue.add(args, flags);
      return;
    }
    const packet: { -readonly [K in keyof OutgoingSocketPacket]: OutgoingSocketPacket[K] } = {
      type: SocketPacketType.EVENT,
      nsp: this.nsp,
      data: args,
    };
    if (flags.compress === false) packet.compress = false;
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const id = this.ids++;
      args.pop();
      this.registerAck(id, last as AckFn, flags.timeout);
      packet.id = id;
    }
    // §B4: volatile events are dropped unless they can be written right now.
    if (flags.volatile && !(this.connected && this.io.engine?.writable)) return;
    if (this.connected && !this.io.engine.hasPingExpired()) {
      this.notifyOutgoing(args);
      this.io._packet(packet);
    } else {
      this.sendBuffer.push(packet);
    }
  }

  /** Emits and resolves with the ack (rejects on `timeout()` expiry or disconnection). */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      const fn: AckFn = (err: unknown, value: unknown) =>
        err ? reject(err) : resolve(value as FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>);
      fn.withError = true;
      if (RESERVED_EVENTS.has(ev as string)) throw new Error(`"${String(ev)}" is a reserved event name`);
      this.dispatchOut([ev, ...(args as unknown[]), fn]);
    });
  }

  private registerAck(id: number, ack: AckFn, flagTimeout: number | undefined): void {
    const timeout = flagTimeout ?? this.opts.ackTimeout;
    if (timeout === undefined) {
      this.acks[id] = ack;
      return;
    }
    const timers = this.io._timers;
    const timer = timers.set(() => {
      delete this.acks[id];
      this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
      ack.call(this, new ClientError(ClientErrorCodes.ACK_TIMEOUT, "operation has timed out"));
    }, timeout);
    const fn: AckFn = (...args) => {
      timers.clear(timer);
      ack.apply(this, args);
    };
    fn.withError = true;
    this.acks[id] = fn;
  }

  /** Called by the Manager once the engine is open: join the namespace (§B3), with recovery data (§B5). */
  private onOpen(): void {
    if (this.joining) return;
    this.joining = true;
    if (typeof this.auth === "function") this.auth((data) => this.sendConnect(data));
    else this.sendConnect(this.auth);
  }

  private sendConnect(data: object | undefined): void {
    const packet: { -readonly [K in keyof SocketPacket]: SocketPacket[K] } = {
      type: SocketPacketType.CONNECT,
      nsp: this.nsp,
    };
    // No auth and nothing to recover: a bare `40` (§B3), as the official client sends.
    if (this.pid !== undefined) packet.data = { pid: this.pid, offset: this.lastOffset, ...data };
    else if (data !== undefined) packet.data = data;
    this.io._packet(packet);
  }

  /** @internal Packets of this namespace, routed by the Manager. */
  _onPacket(packet: SocketPacket): void {
    const data = packet.data as Record<string, unknown> | unknown[] | string | undefined;
    switch (packet.type) {
      case SocketPacketType.CONNECT: {
        const reply = data as { sid?: unknown; pid?: unknown } | undefined;
        if (typeof reply?.sid === "string")
          this.onConnect(reply.sid, typeof reply.pid === "string" ? reply.pid : undefined);
        else
          this.emitReserved(
            "connect_error",
            new ClientError(ClientErrorCodes.BAD_HANDSHAKE, "invalid handshake", data),
          );
        break;
      }
      case SocketPacketType.EVENT:
      case SocketPacketType.BINARY_EVENT:
        this.onEvent(data as unknown[], packet.id);
        break;
      case SocketPacketType.ACK:
      case SocketPacketType.BINARY_ACK:
        this.onAck(data as unknown[], packet.id);
        break;
      case SocketPacketType.DISCONNECT:
        this.destroy();
        this.onClose("io server disconnect");
        break;
      case SocketPacketType.CONNECT_ERROR: {
        if (DEBUG) debug("%s: connection refused", this.nsp);
        this.destroy();
        const body =
          typeof data === "string" ? { message: data } : (data as { message?: unknown; data?: unknown });
        const err = new ClientError(ClientErrorCodes.CONNECT_REFUSED, String(body.message));
        if (body.data !== undefined) err.data = body.data;
        this.emitReserved("connect_error", err);
        break;
      }
    }
  }

  private onEvent(args: unknown[], id: number | undefined): void {
    if (id !== undefined) args.push(this.ackFor(id));
    // §B5: with recovery on, the server appends the offset to events that have no ack. Like socket.io-client,
    // remember it and leave it in the arguments: stripping would eat a genuine last string argument of a
    // volatile event (which carries no offset), and listeners written for Socket.IO expect the same arity.
    else if (this.pid !== undefined && args.length > 1 && typeof args[args.length - 1] === "string") {
      this.lastOffset = args[args.length - 1] as string;
    }
    if (this.connected) this.emitEvent(args);
    else this.receiveBuffer.push(args);
  }

  private emitEvent(args: unknown[]): void {
    for (const listener of this.anyListeners.slice()) listener.apply(this, args as [string, ...unknown[]]);
    this.dispatch(args[0] as string, args.slice(1));
  }

  /** The ack function handed to listeners: answers the server once (§B4). */
  private ackFor(id: number): (...args: unknown[]) => void {
    let sent = false;
    return (...args) => {
      if (sent) return;
      sent = true;
      this.io._packet({ type: SocketPacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  private onAck(args: unknown[], id: number | undefined): void {
    if (id === undefined) return;
    const ack = this.acks[id];
    if (typeof ack !== "function") return;
    delete this.acks[id];
    if (ack.withError) args.unshift(null);
    ack.apply(this, args);
  }

  private onConnect(id: string, pid: string | undefined): void {
    if (DEBUG) debug("%s: connected as %s", this.nsp, id);
    this.joining = false;
    this.id = id;
    this.recovered = pid !== undefined && this.pid === pid;
    this.pid = pid;
    this.connected = true;
    for (const args of this.receiveBuffer) this.emitEvent(args);
    this.receiveBuffer = [];
    const buffered = this.sendBuffer;
    this.sendBuffer = [];
    for (const packet of buffered) {
      this.notifyOutgoing(packet.data as unknown[]);
      this.io._packet(packet);
    }
    // The retry queue's head is re-sent before `connect` is emitted, as socket.io-client does: an event queued
    // by a `connect` handler is sent by its own `add` and must not be forced out a second time.
    this.retryQueue?.drain(true);
    this.emitReserved("connect");
  }

  private onClose(reason: Socket.DisconnectReason, description?: Socket.DisconnectDescription): void {
    if (DEBUG) debug("%s: disconnected (%s)", this.nsp, reason);
    this.joining = false;
    this.connected = false;
    this.id = undefined;
    this.emitReserved("disconnect", reason, description);
    // Pending acks fail, except those of packets still buffered: they will be sent on reconnection.
    for (const key in this.acks) {
      const id = Number(key);
      if (this.sendBuffer.some((p) => p.id === id)) continue;
      const ack = this.acks[id]!;
      delete this.acks[id];
      if (ack.withError)
        ack.call(this, new ClientError(ClientErrorCodes.SOCKET_DISCONNECTED, "socket has been disconnected"));
    }
  }

  private destroy(): void {
    this.joining = false;
    if (this.subs === undefined) return;
    for (const unsubscribe of this.subs) unsubscribe();
    this.subs = undefined;
    this.io._destroy(this);
  }

  /** Leaves the namespace; the connection closes when no namespace is left. No automatic reconnection. */
  disconnect(): this {
    if (this.connected) this.io._packet({ type: SocketPacketType.DISCONNECT, nsp: this.nsp });
    this.destroy();
    if (this.connected) this.onClose("io client disconnect");
    return this;
  }

  /** Alias of `disconnect`. */
  close(): this {
    return this.disconnect();
  }

  /** Sets the compression flag of the next emit. */
  compress(compress: boolean): this {
    this.flags.compress = compress;
    return this;
  }

  /** The next emit is dropped unless it can be written right away. */
  get volatile(): this {
    this.flags.volatile = true;
    return this;
  }

  /** The next emit's ack callback gets an `Error` first argument, set when no ack came within `ms`. */
  timeout(ms: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.flags.timeout = ms;
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /** Listens to every incoming event. */
  onAny(listener: AnyListener): this {
    this.anyListeners.push(listener);
    return this;
  }

  prependAny(listener: AnyListener): this {
    this.anyListeners.unshift(listener);
    return this;
  }

  offAny(listener?: AnyListener): this {
    this.anyListeners = removeListener(this.anyListeners, listener);
    return this;
  }

  listenersAny(): AnyListener[] {
    return this.anyListeners.slice();
  }

  /** Listens to every outgoing event (called when the packet is written, not when buffered). */
  onAnyOutgoing(listener: AnyListener): this {
    this.anyOutgoingListeners.push(listener);
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    this.anyOutgoingListeners.unshift(listener);
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.anyOutgoingListeners = removeListener(this.anyOutgoingListeners, listener);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return this.anyOutgoingListeners.slice();
  }

  private notifyOutgoing(args: unknown[]): void {
    for (const listener of this.anyOutgoingListeners.slice())
      listener.apply(this, args as [string, ...unknown[]]);
  }
}

function removeListener(list: AnyListener[], listener: AnyListener | undefined): AnyListener[] {
  if (listener === undefined) return [];
  const i = list.indexOf(listener);
  if (i !== -1) list.splice(i, 1);
  return list;
}

export declare namespace Socket {
  /** Why a socket disconnected (socket.io-client's `Socket.DisconnectReason`). */
  type DisconnectReason =
    | ManagerCloseReason
    | typeof DisconnectReasons.IO_SERVER_DISCONNECT
    | typeof DisconnectReasons.IO_CLIENT_DISCONNECT;
  /**
   * The second argument of `disconnect`: `{description, context}` for "transport close" (`context` is the
   * WebSocket's `CloseEvent` when it closed), the transport's `ClientError` (`description`, `context`) for
   * "transport error", the decoder's error for "parse error", and nothing for the other reasons.
   */
  type DisconnectDescription = CloseDescription;
}
