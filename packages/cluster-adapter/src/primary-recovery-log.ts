/**
 * The recovery logs of the IPC cluster, kept in the primary (cluster-adapter layer; `PrimaryRelay` hands
 * it the workers' `LogRequest`s, `ipc-recovery-log.ts` is the workers' end). One log per namespace:
 *
 * - **Ids** are integers, 1, 2, 3… in an **epoch** drawn at random when the log is created (a new primary
 *   has new epochs, so an offset of a former primary is never honoured). An append gives the entry the next
 *   id and sends `[epoch, prev, id, data]` to every worker (the sender too), in log order.
 * - **Bounded**: at most `maxPackets` entries (the workers' recovery option, capped by `limits`), none older
 *   than `maxDisconnectionDuration`, at most `maxLogBytes` of payload; what is trimmed raises `maxDeleted`.
 *   Pages are at most `maxPage` entries. Sessions expire after their time to live; at most `maxSessions`
 *   (the oldest written go first).
 * - The primary never decodes an entry or a record: it stores and forwards the workers' bytes. Requests
 *   that are malformed, too large, or for one namespace too many are dropped and counted (`counters`).
 */
import { randomBytes } from "node:crypto";
import { SOURCE } from "./ipc-wire.js";
import type { LogRequest } from "./recovery-wire.js";

/** What the log sees of a worker. */
export interface LogWorker {
  isConnected(): boolean;
  send(message: unknown): void;
}

/** Caps of the primary's logs, whatever the workers ask for. */
export interface PrimaryLogLimits {
  /** Most entries per namespace (the workers' `maxPackets` is capped to this). Default 1,000,000. */
  readonly maxPackets?: number;
  /** Most payload bytes kept per namespace (the oldest entries go first). Default 256 MiB. */
  readonly maxLogBytes?: number;
  /** Most sessions per namespace (the workers' `maxSessions` is capped to this). Default 1,000,000. */
  readonly maxSessions?: number;
  /** Most namespaces with a log. Default 10,000. */
  readonly maxLogs?: number;
  /** Most bytes of one entry or session record. Default 16 MiB. */
  readonly maxPayloadBytes?: number;
  /** Most entries per page. Default 1000. */
  readonly maxPage?: number;
}

/** Counters of the primary's logs (monotonic). */
export interface PrimaryLogCounters {
  appended: number;
  /** Entries trimmed by the bounds. */
  trimmed: number;
  /** Sessions dropped because a namespace held `maxSessions`. */
  sessionsEvicted: number;
  /** Requests dropped: malformed, too large, or for a namespace beyond `maxLogs`. */
  dropped: number;
}

interface Entry {
  readonly data: string | Uint8Array;
  readonly at: number;
  readonly size: number;
}

interface StoredSession {
  readonly data: string | Uint8Array;
  expires: number;
}

/** One namespace's log and sessions. */
class NamespaceLog {
  readonly epoch = randomBytes(6).toString("base64url");
  /** Id of `entries[head]`. */
  first = 1;
  last = 0;
  maxDeleted = 0;
  bytes = 0;
  entries: Entry[] = [];
  head = 0;
  readonly sessions = new Map<string, StoredSession>();
  lastSweep = 0;

  get length(): number {
    return this.entries.length - this.head;
  }

  shift(): void {
    const entry = this.entries[this.head]!;
    this.bytes -= entry.size;
    this.maxDeleted = this.first;
    this.first++;
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

function sizeOf(data: string | Uint8Array): number {
  return typeof data === "string" ? Math.floor((data.length * 3) / 4) : data.length;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export class PrimaryRecoveryLog {
  readonly counters: PrimaryLogCounters = { appended: 0, trimmed: 0, sessionsEvicted: 0, dropped: 0 };
  private readonly logs = new Map<string, NamespaceLog>();
  private readonly limits: Required<PrimaryLogLimits>;
  private readonly now: () => number;

  constructor(limits: PrimaryLogLimits = {}, now: () => number = () => performance.now()) {
    this.limits = {
      maxPackets: limits.maxPackets ?? 1_000_000,
      maxLogBytes: limits.maxLogBytes ?? 256 * 1024 * 1024,
      maxSessions: limits.maxSessions ?? 1_000_000,
      maxLogs: limits.maxLogs ?? 10_000,
      maxPayloadBytes: limits.maxPayloadBytes ?? 16 * 1024 * 1024,
      maxPage: limits.maxPage ?? 1000,
    };
    this.now = now;
  }

  /** Entries and sessions held for `nsp` (tests, metrics). */
  sizes(nsp: string): { entries: number; bytes: number; sessions: number } | undefined {
    const log = this.logs.get(nsp);
    return log && { entries: log.length, bytes: log.bytes, sessions: log.sessions.size };
  }

  /** A checked request of `from`; entries go to `workers` (every worker of the cluster). */
  handle(from: LogWorker, request: LogRequest, workers: Iterable<LogWorker>): void {
    const log = this.logOf(request.log);
    if (log === undefined) {
      this.counters.dropped++;
      if (request.req > 0) this.reply(from, request, null);
      return;
    }
    const now = this.now();
    if (now - log.lastSweep >= 1000) this.sweep(log, now);
    switch (request.op) {
      case "append":
        this.append(log, request, now, workers);
        return;
      case "state":
        this.reply(from, request, [log.epoch, String(log.last), String(log.maxDeleted)]);
        return;
      case "read":
        this.reply(from, request, this.read(log, Number(request.after), request.count!));
        return;
      case "write":
        this.write(log, request, now);
        return;
      case "refresh":
        for (const pid of request.pids!) {
          const session = log.sessions.get(pid);
          if (session !== undefined && session.expires > now) session.expires = now + request.ms!;
        }
        return;
      case "delete":
        log.sessions.delete(request.pid!);
        return;
      case "take": {
        const session = log.sessions.get(request.pid!);
        log.sessions.delete(request.pid!);
        this.reply(from, request, session !== undefined && session.expires > now ? session.data : null);
        return;
      }
    }
  }

  private logOf(nsp: string): NamespaceLog | undefined {
    let log = this.logs.get(nsp);
    if (log === undefined) {
      if (this.logs.size >= this.limits.maxLogs) return undefined;
      log = new NamespaceLog();
      this.logs.set(nsp, log);
    }
    return log;
  }

  private append(log: NamespaceLog, request: LogRequest, now: number, workers: Iterable<LogWorker>): void {
    const data = request.data!;
    const size = sizeOf(data);
    if (size === 0 || size > this.limits.maxPayloadBytes) {
      this.counters.dropped++;
      return;
    }
    const prev = log.last;
    log.last++;
    log.entries.push({ data, at: now, size });
    log.bytes += size;
    this.counters.appended++;
    const maxPackets = clamp(request.count!, 1, this.limits.maxPackets);
    const oldest = now - Math.max(1, request.ms!);
    while (
      log.length > 0 &&
      (log.length > maxPackets || log.bytes > this.limits.maxLogBytes || log.entries[log.head]!.at < oldest)
    ) {
      log.shift();
      this.counters.trimmed++;
    }
    const message = {
      source: SOURCE,
      log: request.log,
      entry: [log.epoch, String(prev), String(log.last), data],
    };
    for (const worker of workers) if (worker.isConnected()) worker.send(message);
  }

  private read(log: NamespaceLog, after: number, count: number): unknown[] {
    const entries: Array<[string, string | Uint8Array]> = [];
    const n = clamp(count, 1, this.limits.maxPage);
    const start = Math.max(after + 1, log.first);
    for (let id = start; id <= log.last && entries.length < n; id++) {
      entries.push([String(id), log.entries[log.head + (id - log.first)]!.data]);
    }
    return [log.epoch, String(log.last), String(log.maxDeleted), entries];
  }

  private write(log: NamespaceLog, request: LogRequest, now: number): void {
    const data = request.data!;
    const pid = request.pid!;
    if (sizeOf(data) > this.limits.maxPayloadBytes) {
      this.counters.dropped++;
      return;
    }
    // Re-inserted: the map's order is the order of the last writes (the oldest is evicted first).
    log.sessions.delete(pid);
    const max = clamp(request.count!, 1, this.limits.maxSessions);
    while (log.sessions.size >= max) {
      const oldest = log.sessions.keys().next().value as string;
      log.sessions.delete(oldest);
      this.counters.sessionsEvicted++;
    }
    log.sessions.set(pid, { data, expires: now + Math.max(1, request.ms!) });
  }

  /** Drops expired sessions (at most once a second per namespace). */
  private sweep(log: NamespaceLog, now: number): void {
    log.lastSweep = now;
    for (const [pid, session] of log.sessions) if (session.expires <= now) log.sessions.delete(pid);
  }

  private reply(to: LogWorker, request: LogRequest, reply: unknown): void {
    if (request.req === 0 || !to.isConnected()) return;
    to.send({ source: SOURCE, log: request.log, req: request.req, reply });
  }
}
