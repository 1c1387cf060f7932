/**
 * The hook a broker implements so that connection state recovery works across the nodes of a cluster
 * (adapter layer, broker-independent; `cluster-recovery.ts` uses it, `@plexus/redis-adapter` implements it
 * over Redis Streams). It also holds the shapes the log and the session records carry, and their checks:
 * whatever comes back from the broker is validated here and dropped (counted) when malformed.
 *
 * Guarantees a broker must keep:
 * - **One log per namespace, one order.** `append` gives the entry the next id of the cluster-wide log and
 *   delivers it, with the id of the entry before it, to `ClusterRecovery.receive` on every node (this one
 *   included) in log order. Ids compare with `compare` and only grow inside one epoch.
 * - **Epochs.** When the log is lost (the broker restarted empty, the log was deleted) it starts again with
 *   a new epoch; an offset of another epoch is never honoured.
 * - **Trimming is visible.** `read` reports the highest id ever trimmed away (`maxDeleted`), so a reader can
 *   tell a quiet log from one that lost entries after its offset.
 * - **Sessions** are written and deleted in call order with the appends (one connection does).
 */
import type { Room, SocketId } from "./adapter.js";

/** A point of the log: its epoch and an entry id of that epoch. */
export interface LogPosition {
  readonly epoch: string;
  readonly id: string;
}

/** What `read` sees of the log besides the entries. */
export interface LogState {
  readonly epoch: string;
  /** Id of the newest entry ever appended in this epoch. */
  readonly last: string;
  /** Highest id trimmed away in this epoch (an id lower than every real id when nothing was trimmed). */
  readonly maxDeleted: string;
}

/** One page of the log; an entry that could not be decoded is `undefined` (skipped and counted). */
export interface LogPage extends LogState {
  readonly entries: ReadonlyArray<readonly [id: string, entry: LogEntry | undefined]>;
}

/** A logged EVENT: the targets of the broadcast and the packet's data (without offset). */
export interface LogEntry {
  readonly rooms: readonly Room[];
  readonly except: readonly Room[];
  readonly compress: boolean;
  readonly data: unknown[];
}

/** A session as kept by the broker while its socket lives and after it disconnected. */
export interface SessionRecord {
  readonly sid: SocketId;
  readonly rooms: readonly Room[];
  readonly data: unknown;
  /** Where the log stood when the socket joined (replay start for a client that got no packet yet). */
  readonly base: LogPosition | undefined;
}

/** What a broker provides (see the guarantees above). Errors reject; nothing here may throw synchronously. */
export interface RecoveryLogBroker {
  /** Appends `entry` (encoded synchronously: `data` is reused after the call); false if it cannot now. */
  append(entry: LogEntry): boolean;
  /** The log's state, creating the log (and its epoch) when missing. */
  state(): Promise<LogState>;
  /** Up to `count` entries after `after` (exclusive), oldest first; `undefined` when the log is missing. */
  read(after: string, count: number): Promise<LogPage | undefined>;
  /** Orders two ids of one epoch (negative, 0, positive). */
  compare(a: string, b: string): number;
  /** Whether `id` has the syntax of an id of this broker (offsets come from clients). */
  isId(id: string): boolean;
  writeSession(pid: string, record: SessionRecord, ttlMs: number): void;
  refreshSessions(pids: readonly string[], ttlMs: number): void;
  deleteSession(pid: string): void;
  /** Reads and deletes the session; `undefined` when unknown, `null` when the stored value is malformed. */
  takeSession(pid: string): Promise<SessionRecord | null | undefined>;
  /** Stops receiving (the adapter closed). */
  close(): void;
}

/** An offset as the client sees it: `<epoch>:<id>` (PROTOCOL.md §B5, opaque to clients). */
export function formatOffset(epoch: string, id: string): string {
  return `${epoch}:${id}`;
}

const OFFSET = /^([A-Za-z0-9_-]{1,32}):([\x21-\x7e]{1,64})$/;

/** The position an offset names, or undefined for anything a client may have made up. */
export function parseOffset(offset: string, isId: (id: string) => boolean): LogPosition | undefined {
  const match = OFFSET.exec(offset);
  if (match === null || !isId(match[2]!)) return undefined;
  return { epoch: match[1]!, id: match[2]! };
}

/** The wire form of an entry (encoded by the broker's codec, e.g. msgpack): `[rooms, except, compress, data]`. */
export function entryToWire(entry: LogEntry): unknown[] {
  return [entry.rooms, entry.except, entry.compress ? 1 : 0, entry.data];
}

/** The entry a decoded value describes, or undefined when it has another shape. */
export function entryFromWire(value: unknown): LogEntry | undefined {
  if (!Array.isArray(value) || value.length !== 4) return undefined;
  const [rooms, except, compress, data] = value as unknown[];
  if (!isRoomList(rooms) || !isRoomList(except) || (compress !== 0 && compress !== 1)) return undefined;
  if (!Array.isArray(data) || data.length === 0 || typeof data[0] !== "string") return undefined;
  return { rooms, except, compress: compress === 1, data };
}

/** The wire form of a session record: `[1, sid, rooms, data, baseEpoch, baseId]` (version first). */
export function recordToWire(record: SessionRecord): unknown[] {
  const base = record.base;
  return [1, record.sid, record.rooms, record.data ?? null, base?.epoch ?? "", base?.id ?? ""];
}

/** The session record a decoded value describes, or undefined when it has another shape. */
export function recordFromWire(value: unknown): SessionRecord | undefined {
  if (!Array.isArray(value) || value.length !== 6 || value[0] !== 1) return undefined;
  const [, sid, rooms, data, epoch, id] = value as unknown[];
  if (typeof sid !== "string" || sid.length === 0 || sid.length > 256 || !isRoomList(rooms)) return undefined;
  if (typeof epoch !== "string" || typeof id !== "string") return undefined;
  const base = epoch === "" || id === "" ? undefined : { epoch, id };
  return { sid, rooms, data: data === null ? undefined : data, base };
}

function isRoomList(value: unknown): value is Room[] {
  if (!Array.isArray(value) || value.length > 100_000) return false;
  for (const room of value) if (typeof room !== "string") return false;
  return true;
}
