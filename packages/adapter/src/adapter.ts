/**
 * The adapter contract: how a namespace finds the sockets a broadcast, a room operation or a recovery
 * request is about. This file holds only the contract; `in-memory-adapter.ts` is the single-node
 * implementation, and a cluster adapter (Redis...) implements the same methods with cross-node hooks.
 *
 * It mirrors the spirit of `socket.io-adapter`'s `Adapter` (same method names and options) so that an
 * application, or a later broker adapter, finds what it knows.
 *
 * Guarantees every implementation must keep:
 * - **Ordering.** Packets broadcast from one node to one socket are written to that socket's connection in
 *   the order of the `broadcast` calls, interleaved in call order with direct `socket.emit`s. Across nodes
 *   there is no global order, only per-publisher order.
 * - **Delivery.** At most once. A volatile packet is dropped for a recipient whose transport cannot take
 *   it now (nothing queued, no write in flight: the engine's `writableNow`). With connection state recovery on, non-volatile ack-less EVENTs are also logged with an
 *   offset and replayed on recovery (then: at least once inside `maxDisconnectionDuration`, in order).
 * - **Exactly one copy per socket.** A socket in several target rooms receives a broadcast once; a socket
 *   in any `except` room (socket ids are rooms too) receives nothing.
 * - **Encoded once.** The adapter never builds wire frames: it asks the namespace to `prepare` a packet
 *   once and hands the same prepared value to every local recipient.
 * - **Buffers.** The packet given to `broadcast` (and its binary attachments) belongs to the adapter until
 *   the call returns; with recovery on, its `data` array is kept in the recovery log (and gets the offset
 *   appended), so callers must not mutate it afterwards. Prepared packets are immutable and shared.
 * - **Re-entrancy.** Room events (`create-room`, `join-room`, `leave-room`, `delete-room`) are emitted
 *   synchronously from `addAll`/`del`/`delAll`; a listener may join or leave rooms of *other* sockets but
 *   must not assume the iteration in progress sees the change. `broadcast` iterates the live room sets:
 *   a recipient's write may synchronously disconnect it (a slow consumer's buffer overflows) and so
 *   leave its rooms, which the iteration tolerates; a socket that joins a target room during a broadcast
 *   may or may not receive it, and no socket receives it twice.
 */
import type { EventEmitter } from "node:events";
import type { SocketPacket } from "@plexus/protocol";
import type { PresenceTable } from "./presence-table.js";

/** A socket id: fresh and random per namespace connection, never the engine session id. */
export type SocketId = string;
/** The private session id that lets a client recover its socket (connection state recovery, PROTOCOL.md §B5). */
export type PrivateSessionId = string;
/** A room name. Every socket is in the room named after its own id. */
export type Room = string;

/** Per-emit flags set through the broadcast operators. */
export interface BroadcastFlags {
  readonly volatile?: boolean;
  readonly compress?: boolean;
  /** Only this node (a cluster adapter does not publish). */
  readonly local?: boolean;
  readonly broadcast?: boolean;
  readonly binary?: boolean;
  /** Ack timeout in milliseconds (broadcast with acks). */
  readonly timeout?: number;
  /** `RemoteSocket.emit` with an ack answers with the single response, not an array. */
  readonly expectSingleResponse?: boolean;
}

/** Which sockets an operation targets: members of any of `rooms` (all sockets when empty), minus members of `except`. */
export interface BroadcastOptions {
  readonly rooms: ReadonlySet<Room>;
  readonly except?: ReadonlySet<Room>;
  readonly flags?: BroadcastFlags;
}

/** What is kept of a socket disconnected for a recoverable reason. */
export interface Session {
  readonly sid: SocketId;
  readonly pid: PrivateSessionId;
  readonly rooms: readonly Room[];
  readonly data: unknown;
}

/**
 * A session found again, with the EVENT payloads (`[name, ...args, offset]`) the client missed, oldest first.
 * The server reads `missedPackets` once, synchronously after the socket joined its rooms again: a cluster
 * adapter may complete it then with what arrived while the session was being restored.
 */
export interface RestoredSession extends Session {
  readonly missedPackets: readonly unknown[][];
}

/** Connection state recovery settings the adapter needs. */
export interface RecoveryOptions {
  readonly maxDisconnectionDuration: number;
  /** Most disconnected sessions kept (the oldest go first). */
  readonly maxSessions?: number | undefined;
  /** Most packets kept in the missed-packet log (the oldest go first). */
  readonly maxPackets?: number | undefined;
}

/**
 * A packet already encoded and framed for the engine. Opaque to the adapter: it only passes it from
 * `AdapterNamespace.prepare` to `AdapterSocket.writePrepared`.
 */
export interface PreparedPacket {
  readonly packet: SocketPacket;
}

/** What the adapter sees of one local socket. */
export interface AdapterSocket {
  readonly id: SocketId;
  /** Private session id (connection state recovery only). */
  readonly pid?: PrivateSessionId | undefined;
  readonly handshake: unknown;
  readonly data: unknown;
  readonly rooms: ReadonlySet<Room>;
  /** Writes prepared bytes to this socket's connection (volatile ones are dropped when not writable). */
  writePrepared(prepared: PreparedPacket, flags: BroadcastFlags | undefined): void;
  /** The next ack id this socket would allocate itself; broadcast ack ids are chosen at or above it. */
  readonly nextAckId: number;
  /** Registers the callback for a broadcast ack id and moves `nextAckId` past it. */
  expectAck(id: number, ack: (...args: unknown[]) => void): void;
  /** Forgets a broadcast ack callback whose broadcast timed out. */
  forgetAck(ack: (...args: unknown[]) => void): void;
  join(rooms: Room | readonly Room[]): unknown;
  leave(room: Room): unknown;
  disconnect(close?: boolean): unknown;
}

/** What the adapter sees of its namespace. */
export interface AdapterNamespace<S extends AdapterSocket = AdapterSocket> {
  readonly name: string;
  /** Connected sockets of this namespace on this node. */
  readonly sockets: ReadonlyMap<SocketId, S>;
  /** Set when connection state recovery is on. */
  readonly recovery: RecoveryOptions | undefined;
  /** Encodes `packet` once and frames it once for all recipients. */
  prepare(packet: SocketPacket, flags: BroadcastFlags | undefined): PreparedPacket;
  /** Delivers a server-side event from another node (or this one) to the namespace listeners. */
  onServerSideEmit(args: unknown[]): void;
}

/** A socket as another node describes it (`fetchSockets` through a cluster adapter). */
export interface RemoteSocketDetails {
  readonly id: SocketId;
  readonly handshake: unknown;
  readonly rooms: readonly Room[];
  readonly data: unknown;
}

/** Room events an adapter emits. */
export interface AdapterEvents {
  "create-room": [room: Room];
  "delete-room": [room: Room];
  "join-room": [room: Room, id: SocketId];
  "leave-room": [room: Room, id: SocketId];
}

/**
 * What an adapter reports for metrics through {@link Adapter.stats}. Read when metrics are scraped, never
 * pushed: the adapter keeps plain integer fields and hands them out on request (no work when nobody
 * scrapes). Counters only grow for the life of the adapter; gauges are current values. A field the
 * adapter has nothing to say about is left out. Values are this adapter's, i.e. one namespace's; a broker
 * connection shared by the adapters of several namespaces reports its errors from one of them only (the
 * main namespace's), so that sums over namespaces stay true.
 */
export interface AdapterStats {
  /** Counter: messages published to other nodes (broadcasts, requests, responses, heartbeats). */
  readonly messagesSent?: number;
  /** Counter: messages received from other nodes. */
  readonly messagesReceived?: number;
  /** Counter: cluster requests (`fetchSockets`, `serverSideEmit` with acks, ...) that stopped waiting for answers. */
  readonly requestTimeouts?: number;
  /** Counter: errors of the broker connection (Redis errors, failed publishes). */
  readonly brokerErrors?: number;
  /** Gauge: disconnected sessions kept for connection state recovery. */
  readonly recoverySessions?: number;
  /** Gauge: packets kept in the recovery log for replay. */
  readonly recoveryPackets?: number;
}

/** The adapter contract. Methods returning promises may answer across the cluster. */
export interface Adapter extends EventEmitter<AdapterEvents> {
  readonly nsp: AdapterNamespace;
  /** Room → member socket ids (this node). */
  readonly rooms: ReadonlyMap<Room, ReadonlySet<SocketId>>;
  /** Socket id → rooms it is in (this node). */
  readonly sids: ReadonlyMap<SocketId, ReadonlySet<Room>>;

  /**
   * Optional: a fresh socket id for a new connection of this namespace (default: 20 random url-safe
   * characters). A cluster adapter puts its node id in front, so a message to one socket is routed to
   * the one node that holds it.
   */
  newSocketId?(): SocketId;

  init(): Promise<void> | void;
  close(): Promise<void> | void;
  /** Number of nodes, this one included. */
  serverCount(): Promise<number>;

  addAll(id: SocketId, rooms: Iterable<Room>): Promise<void> | void;
  del(id: SocketId, room: Room): Promise<void> | void;
  delAll(id: SocketId): void;

  /** Sends `packet` (nsp set) to every targeted socket exactly once. */
  broadcast(packet: SocketPacket, opts: BroadcastOptions): void;
  /**
   * Same, expecting one ack per recipient: `clientCountCallback` is called once per node with the
   * number of recipients there, `ack` once per response.
   */
  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;

  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>>;
  socketRooms(id: SocketId): ReadonlySet<Room> | undefined;
  fetchSockets(opts: BroadcastOptions): Promise<Array<AdapterSocket | RemoteSocketDetails>>;
  addSockets(opts: BroadcastOptions, rooms: readonly Room[]): void;
  delSockets(opts: BroadcastOptions, rooms: readonly Room[]): void;
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;

  /** Emits to the other nodes' namespace listeners; a trailing function collects their acks `(err, responses)`. */
  serverSideEmit(packet: unknown[]): void;

  /**
   * Optional: this namespace's presence entries (`io.presence(room)`); a cluster adapter replicates them.
   * Adapters without it (socket.io's) make `presence()` fail with `ERR_PRESENCE_UNSUPPORTED`.
   */
  readonly presence?: PresenceTable;

  /** Optional: counters for metrics, read at scrape time (see {@link AdapterStats}). Must be cheap and never throw. */
  stats?(): AdapterStats;

  persistSession(session: Session): Promise<void> | void;
  /**
   * Optional: the session of connected socket `id` changed in a way room events do not show (its `data`
   * was assigned). An adapter that keeps sessions outside the process (recovery across nodes) saves it.
   */
  updateSession?(id: SocketId): void;
  /** `offset` is `""` when the client sent a pid but no offset (it got no packet before it lost the connection). */
  restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | null> | RestoredSession | null;
}

/** How the server builds one adapter per namespace (the `adapter` server option). */
export type AdapterConstructor = new (nsp: AdapterNamespace) => Adapter;
