/**
 * The recovery log of one namespace over IPC (cluster-adapter layer): implements `RecoveryLogBroker` of
 * `@plexus/adapter` (its guarantees are stated there) with the log kept in the primary
 * (`primary-recovery-log.ts`). Appends and session writes go to the primary on the worker's one pipe, in
 * call order; the primary numbers each entry and sends it back to every worker, which hands it to
 * `ClusterRecovery.receive`. Reads and takes are requests answered by the primary (`WorkerLink.request`).
 * Whatever comes back is checked: a malformed entry or record is dropped and counted
 * (`ClusterRecovery.counters.badEntries`), never thrown.
 */
import {
  type ClusterRecovery,
  entryFromWire,
  entryToWire,
  type LogEntry,
  type LogPage,
  type LogState,
  type RecoveryLogBroker,
  recordFromWire,
  recordToWire,
  type SessionRecord,
} from "@plexus/adapter";
import { decodeMsgpack, encodeMsgpack } from "@plexus/protocol";
import {
  compareIds,
  LOG_ID,
  type LogOp,
  type LogRequest,
  MAX_REFRESH,
  PID,
  parseStateReply,
  payloadBytes,
  toPayload,
} from "./recovery-wire.js";

/** What the log needs of the worker's link. */
export interface LogLink {
  /** Envelopes carry bytes rather than base64. */
  readonly carriesBytes: boolean;
  /** Most bytes of a payload received (larger ones are dropped). */
  readonly maxMessageBytes: number;
  /** False when the process has no channel to a primary (appends then fail: delivered unlogged). */
  readonly connected: boolean;
  sendLog(request: LogRequest): void;
  /** A request answered by the primary; rejects after `timeoutMs` or when too many wait. */
  request(nsp: string, op: LogOp, fields: Partial<LogRequest>, timeoutMs: number): Promise<unknown>;
}

export interface IpcRecoveryLogSettings {
  readonly nsp: string;
  /** The recovery option `maxPackets` (the primary caps it). */
  readonly maxPackets: number;
  /** The recovery option `maxSessions` (the primary caps it). */
  readonly maxSessions: number;
  /** `maxDisconnectionDuration`: entries older than this are trimmed. */
  readonly maxAgeMs: number;
  /** How long a request waits for the primary. */
  readonly timeoutMs: number;
}

export class IpcRecoveryLog implements RecoveryLogBroker {
  private recovery: ClusterRecovery | undefined;
  /**
   * Set once the primary answered: until then (or for good, when the primary runs no `setupPrimary()`)
   * appends fail, so packets are delivered unlogged rather than sent to a log that never hands them back.
   */
  private primaryAnswered = false;

  constructor(
    private readonly link: LogLink,
    private readonly settings: IpcRecoveryLogSettings,
  ) {}

  /** Hands `recovery` the log's state (entries received before are applied already). */
  async attach(recovery: ClusterRecovery): Promise<void> {
    this.recovery = recovery;
    await recovery.start();
  }

  close(): void {
    this.recovery = undefined;
  }

  // ---- the log -----------------------------------------------------------------------------------------

  append(entry: LogEntry): boolean {
    if (!this.link.connected || !this.primaryAnswered) return false;
    const { nsp, maxPackets, maxAgeMs } = this.settings;
    const data = toPayload(encodeMsgpack(entryToWire(entry)), this.link.carriesBytes);
    this.send({ log: nsp, op: "append", req: 0, data, count: maxPackets, ms: maxAgeMs });
    return true;
  }

  async state(): Promise<LogState> {
    const state = parseStateReply(await this.ask("state", {}));
    if (state === undefined) throw new TypeError("unexpected reply to a log state request");
    this.primaryAnswered = true;
    return { epoch: state[0], last: state[1], maxDeleted: state[2] };
  }

  async read(after: string, count: number): Promise<LogPage | undefined> {
    const reply = await this.ask("read", { after, count });
    const state = parseStateReply(reply);
    const items = (reply as unknown[] | undefined)?.[3];
    if (state === undefined || !Array.isArray(items) || (reply as unknown[]).length !== 4) return undefined;
    const entries: Array<readonly [string, LogEntry | undefined]> = [];
    for (const item of items as unknown[]) {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== "string" || !LOG_ID.test(item[0]))
        continue;
      entries.push([item[0], this.decodeEntry(item[1])]);
    }
    return { epoch: state[0], last: state[1], maxDeleted: state[2], entries };
  }

  compare(a: string, b: string): number {
    return compareIds(a, b);
  }

  isId(id: string): boolean {
    return LOG_ID.test(id);
  }

  // ---- sessions ----------------------------------------------------------------------------------------

  writeSession(pid: string, record: SessionRecord, ttlMs: number): void {
    if (!PID.test(pid)) return;
    const data = toPayload(encodeMsgpack(recordToWire(record)), this.link.carriesBytes);
    const count = this.settings.maxSessions;
    this.send({ log: this.settings.nsp, op: "write", req: 0, pid, data, count, ms: Math.max(1, ttlMs) });
  }

  refreshSessions(pids: readonly string[], ttlMs: number): void {
    const ms = Math.max(1, ttlMs);
    const valid = pids.filter((pid) => PID.test(pid));
    for (let i = 0; i < valid.length; i += MAX_REFRESH) {
      this.send({ log: this.settings.nsp, op: "refresh", req: 0, pids: valid.slice(i, i + MAX_REFRESH), ms });
    }
  }

  deleteSession(pid: string): void {
    if (PID.test(pid)) this.send({ log: this.settings.nsp, op: "delete", req: 0, pid });
  }

  async takeSession(pid: string): Promise<SessionRecord | null | undefined> {
    if (!PID.test(pid)) return undefined;
    let reply: unknown;
    try {
      reply = await this.ask("take", { pid });
    } catch {
      return undefined;
    }
    if (reply === null || reply === undefined) return undefined;
    if (typeof reply !== "string" && !(reply instanceof Uint8Array)) return null;
    try {
      const bytes = payloadBytes(reply);
      if (bytes.length === 0 || bytes.length > this.link.maxMessageBytes) return null;
      return recordFromWire(decodeMsgpack(bytes)) ?? null;
    } catch {
      return null;
    }
  }

  // ---- receiving ---------------------------------------------------------------------------------------

  /** @internal An entry the primary delivered (already checked: epoch and ids). */
  receive(epoch: string, prev: string, id: string, data: string | Uint8Array): void {
    this.recovery?.receive(epoch, prev, id, this.decodeEntry(data));
  }

  private decodeEntry(data: unknown): LogEntry | undefined {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) return undefined;
    try {
      const bytes = payloadBytes(data);
      if (bytes.length === 0 || bytes.length > this.link.maxMessageBytes) return undefined;
      return entryFromWire(decodeMsgpack(bytes));
    } catch {
      return undefined;
    }
  }

  private send(request: Omit<LogRequest, "source">): void {
    this.link.sendLog(request as LogRequest);
  }

  private ask(op: LogOp, fields: Partial<LogRequest>): Promise<unknown> {
    return this.link.request(this.settings.nsp, op, fields, this.settings.timeoutMs);
  }
}
