/**
 * Connection state recovery across the nodes of a cluster (adapter layer, broker-independent; PROTOCOL.md
 * §B5). A cluster adapter whose broker implements {@link RecoveryLogBroker} hands it its loggable packets
 * and its session calls; this class keeps the node in step with the cluster-wide log.
 *
 * - **One log, delivered through itself.** A non-volatile, ack-less, non-local EVENT is appended to the
 *   namespace's log and delivered on every node (the sender too) when the log hands it back, with
 *   `<epoch>:<id>` appended as last argument. So every node applies the same entries in the same order,
 *   and what a node has applied is always a prefix of the log up to `applied`.
 * - **Sessions are written when they change**: when the socket joins (connect, recovery), joins or leaves a
 *   room, its `data` is assigned (`Adapter.updateSession`), and when it disconnects — coalesced to one write
 *   per socket and tick. Connected sessions expire `maxDisconnectionDuration + refresh` after their last
 *   refresh, so a node killed with SIGKILL leaves them recoverable at least `maxDisconnectionDuration`.
 * - **Restore** takes the session, checks the offset's epoch and that nothing after it was trimmed, reads
 *   the log in pages up to what this node applied, then captures what the node applies until the socket
 *   has joined its rooms: every packet exactly once, in log order, before anything newer.
 * - **Gaps.** A node that sees an entry whose predecessor it did not apply (its subscription dropped) reads
 *   the missing entries from the log before applying anything newer.
 */
import { type SocketPacket, SocketPacketType } from "@plexus/protocol";
import type {
  AdapterNamespace,
  BroadcastOptions,
  PrivateSessionId,
  RecoveryOptions,
  RestoredSession,
  Room,
  Session,
  SocketId,
} from "./adapter.js";
import {
  formatOffset,
  type LogEntry,
  type LogPosition,
  parseOffset,
  type RecoveryLogBroker,
} from "./cluster-recovery-log.js";

/** What the recovery needs of its adapter. */
export interface RecoveryHost {
  readonly nsp: AdapterNamespace;
  /** Delivers to this node's sockets only, without logging. */
  deliverLocally(data: unknown[], opts: BroadcastOptions): void;
  on(event: "join-room" | "leave-room", listener: (room: Room, id: SocketId) => void): unknown;
}

/** Counters of the recovery across nodes (monotonic). */
export interface ClusterRecoveryCounters {
  /** Entries appended by this node. */
  appended: number;
  /** Entries applied (delivered to this node's sockets). */
  applied: number;
  /** Log entries or session records that could not be decoded (dropped). */
  badEntries: number;
  /** Times this node missed entries and read them from the log. */
  gapsFilled: number;
  /** Loggable packets delivered without an offset because the broker was unreachable. */
  unlogged: number;
  /**
   * Restored sockets that did not join within `maxPackets` applied entries (a very slow middleware with
   * `skipMiddlewares: false`): their replay lacks what came after.
   */
  captureOverflows: number;
}

/** Entries per read of the log. */
const PAGE = 500;
/** Longest a capture waits for its socket to join (a refused or vanished client). */
const CAPTURE_MAX_AGE = 60_000;
const NO_ROOMS: ReadonlySet<Room> = new Set();

interface Tracked {
  pid: PrivateSessionId | undefined;
  readonly base: LogPosition | undefined;
}

/** Packets applied while a restored socket has not joined its rooms yet. */
interface Capture {
  readonly rooms: ReadonlySet<Room>;
  readonly packets: unknown[][];
  readonly since: number;
  overflow: boolean;
}

export class ClusterRecovery {
  readonly counters: ClusterRecoveryCounters = {
    appended: 0,
    applied: 0,
    badEntries: 0,
    gapsFilled: 0,
    unlogged: 0,
    captureOverflows: 0,
  };
  /** The last entry this node applied (undefined until the log's state is known). */
  applied: LogPosition | undefined;
  private readonly host: RecoveryHost;
  private readonly broker: RecoveryLogBroker;
  private readonly maxAge: number;
  private readonly maxPackets: number;
  private readonly refreshEvery: number;
  /** Connected local sockets whose session is kept in the broker. */
  private readonly tracked = new Map<SocketId, Tracked>();
  private readonly dirty = new Set<SocketId>();
  private flushQueued = false;
  private readonly captures = new Set<Capture>();
  /** Entries received while the missing ones are read (a gap). */
  private held: Array<[epoch: string, prev: string, id: string, entry: LogEntry | undefined]> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(host: RecoveryHost, broker: RecoveryLogBroker, options: RecoveryOptions) {
    this.host = host;
    this.broker = broker;
    this.maxAge = options.maxDisconnectionDuration;
    this.maxPackets = options.maxPackets ?? 100_000;
    this.refreshEvery = Math.max(1000, Math.min(30_000, Math.floor(this.maxAge / 2)));
    host.on("join-room", (room, id) => {
      if (room === id && !this.tracked.has(id)) this.tracked.set(id, { pid: undefined, base: this.applied });
      this.markDirty(id);
    });
    host.on("leave-room", (_room, id) => this.markDirty(id));
    this.timer = setInterval(() => this.refresh(), this.refreshEvery).unref();
  }

  /** Learns where the log stands (once the node receives the log's deliveries). */
  async start(): Promise<void> {
    try {
      const state = await this.broker.state();
      if (this.applied === undefined) this.applied = { epoch: state.epoch, id: state.last };
    } catch {
      // The broker is down: the first delivered entry sets the position instead.
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.captures.clear();
    this.tracked.clear();
    this.dirty.clear();
    this.broker.close();
  }

  get connectedSessions(): number {
    return this.tracked.size;
  }

  // ---- sending -----------------------------------------------------------------------------------------

  /**
   * Takes a loggable broadcast — a non-volatile EVENT without ack, not `local` — (true), or leaves it to
   * the adapter's usual path (false).
   */
  takes(packet: SocketPacket, opts: BroadcastOptions): boolean {
    const flags = opts.flags;
    const data = packet.data;
    if (packet.type !== SocketPacketType.EVENT || packet.id !== undefined || !Array.isArray(data))
      return false;
    if (flags?.volatile === true || flags?.local === true) return false;
    const entry: LogEntry = {
      rooms: [...opts.rooms],
      except: opts.except === undefined ? [] : [...opts.except],
      compress: flags?.compress !== false,
      data,
    };
    if (this.broker.append(entry)) {
      this.counters.appended++;
      return true;
    }
    // The broker is unreachable: delivered here now, without offset (a later recovery replays only what
    // was logged, so the client never sees a packet twice).
    this.counters.unlogged++;
    return false;
  }

  // ---- receiving ---------------------------------------------------------------------------------------

  /** An entry of the log, with the id of the entry before it (`""` for the first of an epoch). */
  receive(epoch: string, prev: string, id: string, entry: LogEntry | undefined): void {
    if (this.closed) return;
    if (this.held !== undefined) {
      this.held.push([epoch, prev, id, entry]);
      return;
    }
    const applied = this.applied;
    if (applied === undefined || applied.epoch !== epoch) {
      this.apply(epoch, id, entry);
      return;
    }
    if (this.broker.compare(id, applied.id) <= 0) return;
    if (prev === applied.id) {
      this.apply(epoch, id, entry);
      return;
    }
    this.held = [[epoch, prev, id, entry]];
    this.fillGap(applied).then(
      (filled) => this.releaseHeld(filled),
      () => this.releaseHeld(false),
    );
  }

  /** Reads and applies the entries between `from` and the first held one; false if the log lacks some. */
  private async fillGap(from: LogPosition): Promise<boolean> {
    this.counters.gapsFilled++;
    let cursor = from.id;
    const until = this.held![0]![2];
    for (;;) {
      const page = await this.broker.read(cursor, PAGE);
      if (page === undefined || page.epoch !== from.epoch || this.closed) return false;
      for (const [id, entry] of page.entries) {
        if (this.broker.compare(id, until) >= 0) return true;
        this.apply(from.epoch, id, entry);
        cursor = id;
      }
      if (page.entries.length < PAGE) return false;
    }
  }

  /**
   * Hands the held entries on in order: the first is applied (the gap before it is filled), the others go
   * through `receive` again (a later gap is noticed too); when the log could not fill the gap, all are
   * applied as they are (rather than stall the node).
   */
  private releaseHeld(filled: boolean): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (let i = 0; i < held.length; i++) {
      if (this.held !== undefined) {
        // Another gap: the rest waits behind it, in order.
        (this.held as typeof held).push(...held.slice(i));
        return;
      }
      const [epoch, prev, id, entry] = held[i]!;
      // The first held entry follows what the log filled in (its `prev` may name a trimmed marker).
      if (filled && i > 0) {
        this.receive(epoch, prev, id, entry);
        continue;
      }
      const applied = this.applied;
      if (applied !== undefined && applied.epoch === epoch && this.broker.compare(id, applied.id) <= 0)
        continue;
      this.apply(epoch, id, entry);
    }
  }

  private apply(epoch: string, id: string, entry: LogEntry | undefined): void {
    this.applied = { epoch, id };
    if (entry === undefined) {
      this.counters.badEntries++;
      return;
    }
    this.counters.applied++;
    const offset = formatOffset(epoch, id);
    const data = [...entry.data, offset];
    this.host.deliverLocally(data, {
      rooms: entry.rooms.length === 0 ? NO_ROOMS : new Set(entry.rooms),
      except: entry.except.length === 0 ? NO_ROOMS : new Set(entry.except),
      flags: entry.compress ? {} : { compress: false },
    });
    for (const capture of this.captures) {
      if (capture.overflow || !reaches(entry, capture.rooms)) continue;
      if (capture.packets.length < this.maxPackets) capture.packets.push(data);
      else {
        capture.overflow = true;
        this.counters.captureOverflows++;
      }
    }
  }

  // ---- sessions ----------------------------------------------------------------------------------------

  /** `socket.data` was assigned (or anything else of the session changed). */
  touch(id: SocketId): void {
    if (this.tracked.has(id)) this.markDirty(id);
  }

  /** The socket disconnected for a recoverable reason: its session is kept `maxDisconnectionDuration`. */
  persist(session: Session): void {
    const tracked = this.tracked.get(session.sid);
    this.tracked.delete(session.sid);
    this.broker.writeSession(
      session.pid,
      { sid: session.sid, rooms: session.rooms, data: session.data, base: tracked?.base },
      this.maxAge,
    );
  }

  private markDirty(id: SocketId): void {
    this.dirty.add(id);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const sockets = this.host.nsp.sockets;
    for (const id of this.dirty) {
      const tracked = this.tracked.get(id);
      if (tracked === undefined) continue;
      const socket = sockets.get(id);
      if (socket === undefined) {
        // Gone without a recoverable reason (explicit disconnect): the session must not come back.
        this.tracked.delete(id);
        if (tracked.pid !== undefined) this.broker.deleteSession(tracked.pid);
        continue;
      }
      tracked.pid ??= socket.pid;
      if (tracked.pid === undefined) continue;
      this.broker.writeSession(
        tracked.pid,
        { sid: id, rooms: [...socket.rooms], data: socket.data, base: tracked.base },
        this.maxAge + this.refreshEvery,
      );
    }
    this.dirty.clear();
  }

  /** Keeps connected sessions alive in the broker, and drops captures whose socket never joined. */
  private refresh(): void {
    const pids: string[] = [];
    for (const tracked of this.tracked.values()) if (tracked.pid !== undefined) pids.push(tracked.pid);
    if (pids.length > 0) this.broker.refreshSessions(pids, this.maxAge + this.refreshEvery);
    const oldest = performance.now() - CAPTURE_MAX_AGE;
    for (const capture of this.captures) if (capture.since < oldest) this.captures.delete(capture);
  }

  // ---- restoring ---------------------------------------------------------------------------------------

  /**
   * The session `pid` with the packets it missed after `offset` (`""`: the client got no packet yet, replay
   * from where the log stood when it joined), or null: unknown, expired, malformed, another epoch, trimmed.
   */
  async restore(pid: PrivateSessionId, offset: string): Promise<RestoredSession | null> {
    const record = await this.broker.takeSession(pid);
    if (record === null) this.counters.badEntries++;
    if (record === undefined || record === null) return null;
    const start = offset === "" ? record.base : parseOffset(offset, (id) => this.broker.isId(id));
    if (start === undefined) return null;
    const rooms = new Set(record.rooms);
    const missed: unknown[][] = [];
    let cursor = start.id;
    // Read up to what this node applied; the last test runs synchronously after the last await, so the
    // capture below starts exactly where the reading stopped.
    for (;;) {
      const page = await this.broker.read(cursor, PAGE);
      if (page === undefined || page.epoch !== start.epoch) return null;
      // Entries after the offset were trimmed, or the offset is not of this log: no silent gap.
      if (this.broker.compare(page.maxDeleted, cursor) > 0 || this.broker.compare(cursor, page.last) > 0) {
        return null;
      }
      const limit = this.appliedIn(start.epoch);
      if (limit === "") return null;
      for (const [id, entry] of page.entries) {
        if (this.broker.compare(id, limit) > 0) break;
        cursor = id;
        if (entry === undefined) {
          this.counters.badEntries++;
          continue;
        }
        if (!reaches(entry, rooms)) continue;
        if (missed.length >= this.maxPackets) return null;
        missed.push([...entry.data, formatOffset(start.epoch, id)]);
      }
      if (this.broker.compare(cursor, limit) >= 0) break;
      // Behind this node yet nothing to read: the log does not hold what was applied.
      if (page.entries.length === 0) return null;
    }
    const capture: Capture = { rooms, packets: [], since: performance.now(), overflow: false };
    this.captures.add(capture);
    const captures = this.captures;
    return {
      sid: record.sid,
      pid,
      rooms: record.rooms,
      data: record.data,
      // Read once by the server right after the socket joined its rooms (adapter.ts): from then on the
      // socket receives live entries, so the capture ends here.
      get missedPackets(): readonly unknown[][] {
        captures.delete(capture);
        return capture.packets.length === 0 ? missed : missed.concat(capture.packets);
      },
    };
  }

  /** This node's applied id in `epoch`, or "" when it is not in that epoch. */
  private appliedIn(epoch: string): string {
    const applied = this.applied;
    return applied !== undefined && applied.epoch === epoch ? applied.id : "";
  }
}

/** Whether a socket in `rooms` was a recipient of `entry`. */
function reaches(entry: LogEntry, rooms: ReadonlySet<Room>): boolean {
  for (const room of entry.except) if (rooms.has(room)) return false;
  if (entry.rooms.length === 0) return true;
  for (const room of entry.rooms) if (rooms.has(room)) return true;
  return false;
}
