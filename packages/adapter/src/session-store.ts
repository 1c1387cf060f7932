/**
 * The memory of connection state recovery (PROTOCOL.md §B5): sessions of sockets that disconnected for
 * a recoverable reason, and the log of EVENT packets they may have missed, each with its offset.
 *
 * Bounded and expiring without timers: sessions and packets older than `maxDisconnectionDuration`
 * are dropped whenever the store is touched, and both collections have a size cap (oldest go first).
 */
import { randomBytes } from "node:crypto";
import type { PrivateSessionId, RestoredSession, Room, Session } from "./adapter.js";

export interface SessionStoreOptions {
  /** How long a session (and a logged packet) stays recoverable, in ms. */
  readonly maxDisconnectionDuration: number;
  /** Most sessions kept (default 100,000). */
  readonly maxSessions?: number | undefined;
  /** Most packets kept in the log (default 100,000). */
  readonly maxPackets?: number | undefined;
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface StoredSession extends Session {
  readonly disconnectedAt: number;
}

interface LoggedPacket {
  readonly emittedAt: number;
  readonly rooms: ReadonlySet<Room>;
  readonly except: ReadonlySet<Room> | undefined;
  readonly data: unknown[];
}

export class SessionStore {
  private readonly maxAge: number;
  private readonly maxSessions: number;
  private readonly maxPackets: number;
  private readonly now: () => number;
  /** Insertion order is disconnection order, so the oldest sessions are first. */
  private readonly sessions = new Map<PrivateSessionId, StoredSession>();
  /** Packet `seq` lives at `log[seq - firstSeq]`. */
  private log: LoggedPacket[] = [];
  private firstSeq = 0;
  /** Offsets are `<prefix><seq base 36>`: the random prefix keeps offsets of another process from matching. */
  private readonly prefix = randomBytes(6).toString("base64url");

  constructor(options: SessionStoreOptions) {
    this.maxAge = options.maxDisconnectionDuration;
    this.maxSessions = options.maxSessions ?? 100_000;
    this.maxPackets = options.maxPackets ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Number of sessions currently kept. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Number of packets currently logged. */
  get packetCount(): number {
    return this.log.length;
  }

  /** Keeps `session` recoverable for `maxDisconnectionDuration`. */
  persist(session: Session): void {
    const now = this.now();
    this.sessions.delete(session.pid);
    this.sessions.set(session.pid, {
      sid: session.sid,
      pid: session.pid,
      rooms: session.rooms,
      data: session.data,
      disconnectedAt: now,
    });
    this.expire(now);
    if (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done !== true) this.sessions.delete(oldest.value);
    }
  }

  /**
   * Logs an EVENT payload and returns its offset; the caller appends the offset to `data` before
   * encoding (the client strips the last argument and remembers it).
   */
  append(data: unknown[], rooms: ReadonlySet<Room>, except: ReadonlySet<Room> | undefined): string {
    const now = this.now();
    const seq = this.firstSeq + this.log.length;
    this.log.push({ emittedAt: now, rooms, except, data });
    this.expire(now);
    return this.prefix + seq.toString(36);
  }

  /**
   * Takes the session `pid` out of the store and returns it with the packets logged after `offset` that
   * its rooms would have received. `null` when the session is unknown or expired, or the offset is no
   * longer (or never was) in the log: the client then gets a fresh socket.
   */
  restore(pid: PrivateSessionId, offset: string): RestoredSession | null {
    const now = this.now();
    this.expire(now);
    const session = this.sessions.get(pid);
    if (session === undefined) return null;
    this.sessions.delete(pid);
    const seq = this.seqOf(offset);
    if (seq === -1) return null;
    const rooms = new Set(session.rooms);
    const missedPackets: unknown[][] = [];
    const threshold = now - this.maxAge;
    // The newest maxPackets entries at most (older ones may still wait for the amortised trim).
    const start = Math.max(seq + 1 - this.firstSeq, this.log.length - this.maxPackets);
    for (let i = start; i < this.log.length; i++) {
      const packet = this.log[i]!;
      if (packet.emittedAt >= threshold && reaches(packet, rooms)) missedPackets.push(packet.data);
    }
    return { sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data, missedPackets };
  }

  /** Forgets everything. */
  clear(): void {
    this.sessions.clear();
    this.firstSeq += this.log.length;
    this.log = [];
  }

  private seqOf(offset: string): number {
    if (!offset.startsWith(this.prefix)) return -1;
    const digits = offset.slice(this.prefix.length);
    if (!/^[0-9a-z]{1,11}$/.test(digits)) return -1;
    const seq = Number.parseInt(digits, 36);
    if (seq < this.firstSeq || seq >= this.firstSeq + this.log.length) return -1;
    // An offset beyond the bound (kept only until the amortised trim) counts as gone.
    if (this.firstSeq + this.log.length - seq > this.maxPackets) return -1;
    return seq;
  }

  private expire(now: number): void {
    const threshold = now - this.maxAge;
    for (const [pid, session] of this.sessions) {
      if (session.disconnectedAt >= threshold) break;
      this.sessions.delete(pid);
    }
    const log = this.log;
    // Amortised trimming: the head is cut in one splice once it is worth it (more than half the log,
    // or the log reached twice its bound), so appending stays O(1). Until then `restore` skips stale
    // entries itself; the log never holds more than 2 × maxPackets entries.
    let drop = 0;
    while (drop < log.length && log[drop]!.emittedAt < threshold) drop++;
    if (log.length > 2 * this.maxPackets) drop = Math.max(drop, log.length - this.maxPackets);
    else if (drop * 2 <= log.length && drop < 1024) return;
    if (drop === 0) return;
    if (drop === log.length) this.log = [];
    else log.splice(0, drop);
    this.firstSeq += drop;
  }
}

function reaches(packet: LoggedPacket, rooms: ReadonlySet<Room>): boolean {
  if (packet.except !== undefined) {
    for (const room of packet.except) if (rooms.has(room)) return false;
  }
  if (packet.rooms.size === 0) return true;
  for (const room of packet.rooms) if (rooms.has(room)) return true;
  return false;
}
