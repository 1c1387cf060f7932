/**
 * The single-node adapter: rooms as `Map<room, Set<socketId>>` plus the reverse index, broadcasts
 * prepared once and written to each recipient, and (when recovery is on) the session store.
 * The contract and its guarantees are in `adapter.ts`.
 */

import { EventEmitter } from "node:events";
import { type SocketPacket, SocketPacketType } from "@plexus/protocol";
import createDebug from "debug";
import type {
  Adapter,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  AdapterStats,
  BroadcastOptions,
  PreparedPacket,
  PrivateSessionId,
  RemoteSocketDetails,
  RestoredSession,
  Room,
  Session,
  SocketId,
} from "./adapter.js";
import { OwnRoom } from "./own-room.js";
import { PresenceTable } from "./presence-table.js";
import { SessionStore } from "./session-store.js";

/** Rooms and broadcasts of the in-memory adapter (`DEBUG=plexus:adapter`). */
const debug = createDebug("plexus:adapter");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

/** Above this many `except` rooms, the excluded ids are collected once instead of checked per recipient. */
const EXCEPT_SCAN_LIMIT = 4;
const NO_ROOMS: ReadonlySet<Room> = new Set();

export class InMemoryAdapter extends EventEmitter<AdapterEvents> implements Adapter {
  readonly nsp: AdapterNamespace;
  /** Room → members. A socket's own room is an {@link OwnRoom} until someone else joins it. */
  readonly rooms = new Map<Room, Set<SocketId> | OwnRoom>();
  /** Socket → rooms. The socket's {@link OwnRoom} while it is in no other room. */
  readonly sids = new Map<SocketId, Set<Room> | OwnRoom>();
  /** Present only when connection state recovery is on (and kept in this process). */
  protected store: SessionStore | undefined;
  private presenceTable: PresenceTable | undefined;

  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    const recovery = nsp.recovery;
    this.store = recovery === undefined ? undefined : new SessionStore(recovery);
  }

  init(): void {}

  /** Presence entries of this namespace (`presence-table.ts`), created on first use. */
  get presence(): PresenceTable {
    this.presenceTable ??= this.createPresence();
    return this.presenceTable;
  }

  /** The presence table of this node (a cluster base gives it its node id). */
  protected createPresence(): PresenceTable {
    return new PresenceTable();
  }

  close(): void {
    this.store?.clear();
  }

  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  addAll(id: SocketId, rooms: Iterable<Room>): void {
    if (DEBUG) debug("%s: socket %s joins %j", this.nsp.name, id, [...rooms]);
    for (const room of rooms) {
      let joined = this.sids.get(id);
      if (joined === undefined && room === id && !this.rooms.has(id)) {
        // The usual first join (a socket entering its own room): one shared object for both maps.
        const own = new OwnRoom(id);
        this.sids.set(id, own);
        this.rooms.set(id, own);
        this.emit("create-room", room);
        this.emit("join-room", room, id);
        continue;
      }
      if (joined instanceof OwnRoom) {
        if (room === id) continue;
        joined = new Set([id]);
        this.sids.set(id, joined);
      } else if (joined === undefined) {
        joined = new Set();
        this.sids.set(id, joined);
      }
      joined.add(room);
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit("create-room", room);
      } else if (members instanceof OwnRoom) {
        if (members.id === id) continue;
        members = new Set([members.id]);
        this.rooms.set(room, members);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit("join-room", room, id);
      }
    }
  }

  del(id: SocketId, room: Room): void {
    if (DEBUG) debug("%s: socket %s leaves %s", this.nsp.name, id, room);
    const joined = this.sids.get(id);
    if (joined instanceof OwnRoom) {
      if (room === id) this.sids.set(id, new Set());
    } else joined?.delete(room);
    this.removeMember(room, id);
  }

  delAll(id: SocketId): void {
    if (DEBUG) debug("%s: socket %s leaves every room", this.nsp.name, id);
    const joined = this.sids.get(id);
    if (joined === undefined) return;
    for (const room of joined) this.removeMember(room, id);
    this.sids.delete(id);
  }

  private removeMember(room: Room, id: SocketId): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    if (members instanceof OwnRoom) {
      if (members.id !== id) return;
    } else if (!members.delete(id)) return;
    this.emit("leave-room", room, id);
    if (members.size === 0 || members instanceof OwnRoom) {
      if (this.rooms.delete(room)) this.emit("delete-room", room);
    }
  }

  /**
   * With recovery on, a non-volatile EVENT without ack gets an offset as last argument and is logged
   * (PROTOCOL.md §B5) before it is prepared, so live recipients and replays see the same payload.
   */
  broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    if (DEBUG)
      debug("%s: broadcast to %j except %j", this.nsp.name, [...opts.rooms], [...(opts.except ?? [])]);
    const flags = opts.flags;
    const store = this.store;
    if (
      store !== undefined &&
      packet.type === SocketPacketType.EVENT &&
      packet.id === undefined &&
      flags?.volatile !== true &&
      Array.isArray(packet.data)
    ) {
      const data = packet.data as unknown[];
      data.push(store.append(data, opts.rooms, opts.except));
    }
    const rooms = opts.rooms;
    const except = opts.except ?? NO_ROOMS;
    if (except.size > 0 || rooms.size > 1) {
      // Prepared on the first recipient: a broadcast that reaches nobody costs no encoding.
      let prepared: PreparedPacket | undefined;
      this.apply(opts, (socket) => {
        prepared ??= this.nsp.prepare(packet, flags);
        socket.writePrepared(prepared, flags);
      });
      return;
    }
    // The usual broadcasts (`io.emit`, `io.to(room).emit`): one loop, per recipient only the write of
    // the shared prepared bytes (DESIGN.md principle 2), no callback and no entry array.
    const sockets = this.nsp.sockets;
    let prepared: PreparedPacket | undefined;
    if (rooms.size === 0) {
      for (const socket of sockets.values()) {
        prepared ??= this.nsp.prepare(packet, flags);
        socket.writePrepared(prepared, flags);
      }
      return;
    }
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) return;
      for (const id of members) {
        const socket = sockets.get(id);
        if (socket === undefined) continue;
        prepared ??= this.nsp.prepare(packet, flags);
        socket.writePrepared(prepared, flags);
      }
    }
  }

  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    // One id for every recipient (the bytes are shared), chosen free for each of them.
    const recipients: AdapterSocket[] = [];
    let id = 0;
    this.apply(opts, (socket) => {
      recipients.push(socket);
      if (socket.nextAckId > id) id = socket.nextAckId;
    });
    const flags = opts.flags;
    if (recipients.length === 0) {
      clientCountCallback(0);
      return;
    }
    const prepared = this.nsp.prepare({ type: packet.type, nsp: packet.nsp, id, data: packet.data }, flags);
    for (const socket of recipients) {
      socket.expectAck(id, ack);
      socket.writePrepared(prepared, flags);
    }
    clientCountCallback(recipients.length);
  }

  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  socketRooms(id: SocketId): ReadonlySet<Room> | undefined {
    return this.sids.get(id);
  }

  fetchSockets(opts: BroadcastOptions): Promise<Array<AdapterSocket | RemoteSocketDetails>> {
    const sockets: AdapterSocket[] = [];
    this.apply(opts, (socket) => sockets.push(socket));
    return Promise.resolve(sockets);
  }

  addSockets(opts: BroadcastOptions, rooms: readonly Room[]): void {
    this.apply(opts, (socket) => socket.join(rooms));
  }

  delSockets(opts: BroadcastOptions, rooms: readonly Room[]): void {
    this.apply(opts, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.apply(opts, (socket) => socket.disconnect(close));
  }

  /** Single node: no other server listens, so an ack is answered at once with no responses. */
  serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last === "function") (last as (err: Error | null, responses: unknown[]) => void)(null, []);
  }

  /** One node: nothing crosses to other nodes; with recovery on, the sizes of the session store. */
  stats(): AdapterStats {
    const store = this.store;
    const local = { messagesSent: 0, messagesReceived: 0, requestTimeouts: 0, brokerErrors: 0 };
    if (store === undefined) return local;
    return { ...local, recoverySessions: store.sessionCount, recoveryPackets: store.packetCount };
  }

  persistSession(session: Session): void {
    this.store?.persist(session);
  }

  restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | null> | RestoredSession | null {
    return this.store?.restore(pid, offset) ?? null;
  }

  /**
   * Calls `fn` once for each local socket targeted by `opts`, allocating nothing per recipient: the
   * multi-room dedupe asks the member sets of the target rooms already walked, the `except` check the
   * recipient's own room set (or, above a few `except` rooms, one set of excluded ids per call).
   * Membership may change during the walk (`disconnectSockets` removes the current socket): JS sets
   * tolerate deletion of the visited entry, and a socket is never handed to `fn` twice.
   */
  apply(opts: BroadcastOptions, fn: (socket: AdapterSocket) => void): void {
    const rooms = opts.rooms;
    const except = opts.except ?? NO_ROOMS;
    const sockets = this.nsp.sockets;
    const exceptIds = except.size > EXCEPT_SCAN_LIMIT ? this.membersOf(except) : undefined;
    if (rooms.size === 0) {
      for (const socket of sockets.values()) {
        if (except.size === 0 || !this.excluded(socket.id, except, exceptIds)) fn(socket);
      }
      return;
    }
    // Several rooms: a socket is handled in the first target room it belongs to.
    const earlier: ReadonlySet<SocketId>[] = [];
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      for (const id of members) {
        if (except.size > 0 && this.excluded(id, except, exceptIds)) continue;
        if (earlier.length > 0 && inAny(earlier, id)) continue;
        const socket = sockets.get(id);
        if (socket !== undefined) fn(socket);
      }
      earlier.push(members);
    }
  }

  private membersOf(rooms: ReadonlySet<Room>): Set<SocketId> {
    const ids = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members !== undefined) for (const id of members) ids.add(id);
    }
    return ids;
  }

  private excluded(id: SocketId, except: ReadonlySet<Room>, exceptIds: Set<SocketId> | undefined): boolean {
    if (exceptIds !== undefined) return exceptIds.has(id);
    const joined = this.sids.get(id);
    if (joined === undefined) return false;
    for (const room of except) if (joined.has(room)) return true;
    return false;
  }
}

function inAny(sets: readonly ReadonlySet<SocketId>[], id: SocketId): boolean {
  for (let i = 0; i < sets.length; i++) if (sets[i]!.has(id)) return true;
  return false;
}
