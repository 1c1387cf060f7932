/**
 * Broadcast operators (`io.to("room").except("x").volatile.emit(...)`) and `RemoteSocket`, the
 * description of a socket returned by `fetchSockets`. Operators are immutable: each chained call
 * returns a new one, so a stored operator can be reused.
 */

import type { Adapter, BroadcastFlags, BroadcastOptions, Room, SocketId } from "@plexus/adapter";
import { RESERVED_EVENTS, SocketPacketType } from "@plexus/protocol";
import createDebug from "debug";
import type { Handshake } from "./handshake.js";
import { ackTimeoutError, reservedEventError, ServerError, ServerErrorCodes } from "./server-error.js";
import type {
  AckResult,
  ArgsWithoutAck,
  DecorateAcknowledgements,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
} from "./typed-events.js";

/** Broadcasts (`DEBUG=plexus:namespace`). */
const debug = createDebug("plexus:namespace");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

const NO_ROOMS: ReadonlySet<Room> = new Set();
/** The flags of an operator nobody set a flag on: shared, never mutated (operators copy on change). */
const NO_FLAGS: Readonly<OperatorFlags> = Object.freeze({});

interface OperatorFlags extends BroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  timeout?: number;
  expectSingleResponse?: boolean;
}

function union(set: ReadonlySet<Room>, room: Room | readonly Room[]): Set<Room> {
  const out = new Set(set);
  if (typeof room === "string") out.add(room);
  else for (const r of room) out.add(r);
  return out;
}

/**
 * Targets the sockets of one namespace. `EmitEvents` is the namespace's emit map with acknowledgements
 * decorated for several responses (`(err, responses[])`).
 *
 * @example
 * io.to("room1").except("room2").timeout(1000).emit("hello", (err, responses) => {});
 */
// biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
export class BroadcastOperator<EmitEvents extends EventsMap, SocketData = any> {
  /** @internal */ readonly adapter: Adapter;
  private readonly rooms: ReadonlySet<Room>;
  private readonly exceptRooms: ReadonlySet<Room>;
  private readonly flags: Readonly<OperatorFlags>;

  constructor(
    adapter: Adapter,
    rooms: ReadonlySet<Room> = NO_ROOMS,
    exceptRooms: ReadonlySet<Room> = NO_ROOMS,
    flags: Readonly<OperatorFlags> = NO_FLAGS,
  ) {
    this.adapter = adapter;
    this.rooms = rooms;
    this.exceptRooms = exceptRooms;
    this.flags = flags;
  }

  /** Targets the members of `room` (added to the rooms already targeted). */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, union(this.rooms, room), this.exceptRooms, this.flags);
  }

  /** Alias of {@link to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Excludes the members of `room`. */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, union(this.exceptRooms, room), this.flags);
  }

  /** Sets whether the packet may be compressed. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, compress });
  }

  /** Drops the packet for recipients that cannot take it right now. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, {
      ...this.flags,
      volatile: true,
    });
  }

  /** Only the sockets of this node. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, local: true });
  }

  /** Acknowledgements must all arrive within `timeout` ms, or the callback gets an error. */
  timeout(timeout: number): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, timeout });
  }

  private options(): BroadcastOptions {
    return { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
  }

  /**
   * Emits to every targeted socket. A trailing callback collects one acknowledgement per recipient:
   * `(err, responses)`, `err` set when the timeout elapsed first.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return broadcastEvent(this.adapter, this.rooms, this.exceptRooms, this.flags, ev as string, args);
  }

  /** Emits and resolves with every recipient's acknowledgement (rejects on timeout). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: ArgsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      const ack = (err: ServerError | null, responses: unknown): void => {
        if (err !== null) {
          err.responses = responses as unknown[];
          reject(err);
        } else resolve(responses as AckResult<EmitEvents, Ev>);
      };
      (this.emit as (ev: string, ...args: unknown[]) => boolean)(ev as string, ...args, ack);
    });
  }

  /** Ids of the targeted sockets. @deprecated use {@link fetchSockets}. */
  allSockets(): Promise<Set<SocketId>> {
    return this.adapter.sockets(this.rooms);
  }

  /** The targeted sockets (this node's as `Socket`s, other nodes' as descriptions). */
  async fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    const found = await this.adapter.fetchSockets(this.options());
    return found.map((s) =>
      s instanceof RemoteSocket || "writePrepared" in s
        ? (s as unknown as RemoteSocket<EmitEvents, SocketData>)
        : new RemoteSocket<EmitEvents, SocketData>(this.adapter, s),
    );
  }

  /** Makes the targeted sockets join `room`. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.adapter.addSockets(this.options(), typeof room === "string" ? [room] : room);
  }

  /** Makes the targeted sockets leave `room`. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.adapter.delSockets(this.options(), typeof room === "string" ? [room] : room);
  }

  /** Disconnects the targeted sockets (and closes their connections when `close`). */
  disconnectSockets(close = false): void {
    this.adapter.disconnectSockets(this.options(), close);
  }
}

type AckCallback = (err: Error | null, responses: unknown) => void;

/**
 * @internal `emit` of an operator, also used by `Namespace.emit` without building an operator.
 * `args` must be a fresh array (a rest parameter): it becomes the packet's data, so one emit allocates
 * one array, one packet and one options record (DESIGN.md principle 2).
 */
export function broadcastEvent(
  adapter: Adapter,
  rooms: ReadonlySet<Room>,
  except: ReadonlySet<Room>,
  flags: Readonly<OperatorFlags>,
  name: string,
  args: unknown[],
): boolean {
  if (DEBUG) debug("broadcasting %s to rooms %j except %j", name, [...rooms], [...except]);
  if (RESERVED_EVENTS.has(name)) throw reservedEventError(name);
  const data = args;
  data.unshift(name);
  const last = data[data.length - 1];
  const packet = { type: SocketPacketType.EVENT, nsp: adapter.nsp.name, data };
  const opts: BroadcastOptions = { rooms, except, flags };
  if (typeof last !== "function") {
    adapter.broadcast(packet, opts);
    return true;
  }
  data.pop();
  new BroadcastAckCollector(adapter, flags, last as AckCallback).start(packet, opts);
  return true;
}

/** One broadcast waiting for its acknowledgements (one per recipient, across every node). */
class BroadcastAckCollector {
  private readonly adapter: Adapter;
  private readonly flags: Readonly<OperatorFlags>;
  private readonly ack: AckCallback;
  private readonly responses: unknown[] = [];
  private expectedServers = -1;
  private actualServers = 0;
  private expectedClients = 0;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private onResponse: ((...args: unknown[]) => void) | undefined;

  constructor(adapter: Adapter, flags: Readonly<OperatorFlags>, ack: AckCallback) {
    this.adapter = adapter;
    this.flags = flags;
    this.ack = ack;
  }

  start(packet: { type: 2; nsp: string; data: unknown[] }, opts: BroadcastOptions): void {
    // Socket.IO arms the timer with `flags.timeout` even when unset (so it fires at once); kept for drop-in.
    this.timer = setTimeout(() => this.onTimeout(), this.flags.timeout);
    const onResponse = (...args: unknown[]): void => {
      this.responses.push(args[0]);
      this.check();
    };
    this.onResponse = onResponse;
    this.adapter.broadcastWithAck(
      packet,
      opts,
      (clientCount) => {
        this.expectedClients += clientCount;
        this.actualServers++;
        this.check();
      },
      onResponse,
    );
    this.adapter.serverCount().then(
      (count) => {
        this.expectedServers = count;
        this.check();
      },
      () => {},
    );
  }

  private onTimeout(): void {
    if (this.done) return;
    this.done = true;
    const onResponse = this.onResponse;
    if (onResponse !== undefined)
      for (const socket of this.adapter.nsp.sockets.values()) socket.forgetAck(onResponse);
    this.ack(ackTimeoutError(), this.flags.expectSingleResponse === true ? null : this.responses);
  }

  private check(): void {
    if (
      this.done ||
      this.expectedServers !== this.actualServers ||
      this.responses.length !== this.expectedClients
    ) {
      return;
    }
    this.done = true;
    clearTimeout(this.timer);
    this.ack(null, this.flags.expectSingleResponse === true ? this.responses[0] : this.responses);
  }
}

/**
 * A socket found by `fetchSockets`, possibly on another node: its description plus the operations that
 * work remotely.
 */
// biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
export class RemoteSocket<EmitEvents extends EventsMap, SocketData = any> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  private readonly operator: BroadcastOperator<EmitEvents, SocketData>;

  constructor(
    adapter: Adapter,
    details: { id: SocketId; handshake: unknown; rooms: Iterable<Room>; data: unknown },
  ) {
    this.id = details.id;
    this.handshake = details.handshake as Handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data as SocketData;
    this.operator = new BroadcastOperator(adapter, new Set([this.id]), NO_ROOMS, {
      expectSingleResponse: true,
    });
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.operator.emit(ev, ...args);
  }

  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return this.operator.timeout(timeout) as unknown as BroadcastOperator<
      DecorateAcknowledgements<EmitEvents>,
      SocketData
    >;
  }

  join(room: Room | readonly Room[]): void {
    this.operator.socketsJoin(room);
  }

  leave(room: Room | readonly Room[]): void {
    this.operator.socketsLeave(room);
  }

  disconnect(close = false): this {
    this.operator.disconnectSockets(close);
    return this;
  }
}

export { ServerError, ServerErrorCodes };
