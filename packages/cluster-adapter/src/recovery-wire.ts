/**
 * What crosses the `node:cluster` IPC pipes for connection state recovery across workers: a worker's log
 * requests to the primary (`LogRequest`), the primary's replies (`LogReply`) and the entries it hands every
 * worker in log order (`LogDelivery`). Log entries and session records travel as MessagePack, encoded and
 * decoded by the workers only (bytes with `advanced` serialization, base64 with `json`): the primary stores
 * and forwards them untouched. The checks here turn untrusted values into messages, or reject them.
 * Layer: cluster-adapter.
 */
import { SOURCE } from "./ipc-wire.js";

/** The operations of a `LogRequest` (the `RecoveryLogBroker` calls). */
export type LogOp = "append" | "state" | "read" | "write" | "refresh" | "delete" | "take";
const OPS: ReadonlySet<string> = new Set(["append", "state", "read", "write", "refresh", "delete", "take"]);

/** Integer ids of the primary's log, as decimal strings without leading zeros (`"0"`: before the first). */
export const LOG_ID = /^(0|[1-9][0-9]{0,14})$/;
/** Private session ids as the server makes them. */
export const PID = /^[A-Za-z0-9_-]{1,64}$/;
const EPOCH = /^[A-Za-z0-9_-]{1,32}$/;
/** Most session ids one refresh carries (a worker sends more in several requests). */
export const MAX_REFRESH = 10_000;

/** A worker asks the primary's log of namespace `log` something (`req` > 0 expects a `LogReply`). */
export interface LogRequest {
  readonly source: typeof SOURCE;
  /** The namespace. */
  readonly log: string;
  readonly op: LogOp;
  /** Request number of the worker, 0 when no reply is expected. */
  readonly req: number;
  /** append: the entry; write: the session record (MessagePack, bytes or base64). */
  readonly data?: string | Uint8Array;
  /** read: the id after which to read. */
  readonly after?: string;
  /** read: most entries; append: the log bound (`maxPackets`); write: the session bound (`maxSessions`). */
  readonly count?: number;
  /** write, delete, take: the session. */
  readonly pid?: string;
  /** refresh: the sessions. */
  readonly pids?: readonly string[];
  /** append: entries older than this are trimmed; write, refresh: the session's time to live. */
  readonly ms?: number;
}

/**
 * The primary answers request `req`: `state` → `[epoch, last, maxDeleted]`, `read` → `[epoch, last,
 * maxDeleted, [id, data][]]`, `take` → the record or `null`.
 */
export interface LogReply {
  readonly source: typeof SOURCE;
  readonly log: string;
  readonly req: number;
  readonly reply: unknown;
}

/** An entry of the log of namespace `log`, with the id before it, sent to every worker in log order. */
export interface LogDelivery {
  readonly source: typeof SOURCE;
  readonly log: string;
  /** `[epoch, prev, id, data]`. */
  readonly entry: readonly [string, string, string, string | Uint8Array];
}

function isData(value: unknown): value is string | Uint8Array {
  return typeof value === "string" || value instanceof Uint8Array;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** True for anything that claims to be a recovery log message (checked or not). */
export function isLogMessage(value: unknown): boolean {
  return typeof (value as { log?: unknown }).log === "string";
}

/** A request from an untrusted value, or `undefined` when it is malformed for its operation. */
export function parseLogRequest(value: unknown): LogRequest | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.source !== SOURCE || typeof v.log !== "string" || v.log.length > 256) return undefined;
  if (typeof v.op !== "string" || !OPS.has(v.op) || !isCount(v.req)) return undefined;
  switch (v.op as LogOp) {
    case "append":
      return isData(v.data) && isCount(v.count) && isCount(v.ms) ? (v as unknown as LogRequest) : undefined;
    case "state":
      return v as unknown as LogRequest;
    case "read":
      return typeof v.after === "string" && LOG_ID.test(v.after) && isCount(v.count)
        ? (v as unknown as LogRequest)
        : undefined;
    case "write":
      return typeof v.pid === "string" &&
        PID.test(v.pid) &&
        isData(v.data) &&
        isCount(v.count) &&
        isCount(v.ms)
        ? (v as unknown as LogRequest)
        : undefined;
    case "refresh": {
      if (!Array.isArray(v.pids) || v.pids.length > MAX_REFRESH || !isCount(v.ms)) return undefined;
      for (const pid of v.pids) if (typeof pid !== "string" || !PID.test(pid)) return undefined;
      return v as unknown as LogRequest;
    }
    case "delete":
    case "take":
      return typeof v.pid === "string" && PID.test(v.pid) ? (v as unknown as LogRequest) : undefined;
  }
}

/** A reply from an untrusted value, or `undefined`. */
export function parseLogReply(value: unknown): LogReply | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.source !== SOURCE || typeof v.log !== "string" || !isCount(v.req) || v.req === 0) return undefined;
  return "reply" in v ? (v as unknown as LogReply) : undefined;
}

/** A delivery from an untrusted value, or `undefined`. */
export function parseLogDelivery(value: unknown): LogDelivery | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.source !== SOURCE || typeof v.log !== "string" || !Array.isArray(v.entry)) return undefined;
  const [epoch, prev, id, data] = v.entry as unknown[];
  if (v.entry.length !== 4 || typeof epoch !== "string" || !EPOCH.test(epoch)) return undefined;
  if (typeof prev !== "string" || !LOG_ID.test(prev) || typeof id !== "string" || !LOG_ID.test(id))
    return undefined;
  return isData(data) ? (v as unknown as LogDelivery) : undefined;
}

/** A log state `[epoch, last, maxDeleted]` from an untrusted reply, or `undefined`. */
export function parseStateReply(value: unknown): [string, string, string] | undefined {
  if (!Array.isArray(value) || value.length < 3) return undefined;
  const [epoch, last, maxDeleted] = value as unknown[];
  if (typeof epoch !== "string" || !EPOCH.test(epoch)) return undefined;
  if (typeof last !== "string" || !LOG_ID.test(last)) return undefined;
  if (typeof maxDeleted !== "string" || !LOG_ID.test(maxDeleted)) return undefined;
  return [epoch, last, maxDeleted];
}

/** Compares two log ids (decimal strings without leading zeros). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Bytes of a MessagePack payload carried as bytes or base64. */
export function payloadBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "base64") : data;
}

/** A payload as the channel carries it: bytes (advanced serialization) or base64 (json). */
export function toPayload(bytes: Uint8Array, binary: boolean): string | Uint8Array {
  return binary ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
}
