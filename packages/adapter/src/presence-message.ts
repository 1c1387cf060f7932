/**
 * The presence messages nodes of a cluster exchange (`cluster-presence.ts`), as plain objects inside a
 * cluster request (`RequestMessage.presence`, request types `PRESENCE_DIFF` and `PRESENCE_SNAPSHOT`, numbers
 * socket.io's adapters ignore), and the checks that turn an untrusted decoded value into one of them.
 * Entries travel as `[key, meta]` pairs; a meta is the application's JSON object plus `presence_ref`.
 */
import type { Room } from "./adapter.js";
import type { NodeId } from "./cluster-message.js";
import type { PresenceEntry, PresenceMeta } from "./presence-table.js";

/** One node's change in one room: entries that joined, refs that left. */
export interface PresenceDiffMessage {
  readonly room: Room;
  readonly joins: ReadonlyArray<readonly [string, PresenceMeta]>;
  readonly leaves: readonly string[];
}

/**
 * One part of a node's snapshot (all its own entries), for one node (`to`). Parts are numbered from 0; the
 * one with `last` completes it. `ask`: the receiver answers with its own snapshot.
 */
export interface PresenceSnapshotMessage {
  readonly to: NodeId;
  readonly ask: boolean;
  readonly seq: number;
  readonly last: boolean;
  readonly rooms: ReadonlyArray<readonly [Room, ReadonlyArray<readonly [string, PresenceMeta]>]>;
}

/** Longest room name, key or ref accepted from another node. */
const MAX_NAME = 4096;
/** Largest meta accepted from another node, in characters of its JSON text (a memory bound, not a policy). */
const MAX_REMOTE_META = 64 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_NAME;
}

/** A `[key, meta]` pair from the wire, or undefined. */
function entryOf(value: unknown): PresenceEntry | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [key, meta] = value as [unknown, unknown];
  if (!isName(key) || !isObject(meta) || !isName(meta.presence_ref)) return undefined;
  let json: string;
  try {
    json = JSON.stringify(meta);
  } catch {
    return undefined;
  }
  if (json.length > MAX_REMOTE_META) return undefined;
  return { key, meta: meta as PresenceMeta };
}

function entriesOf(value: unknown): PresenceEntry[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: PresenceEntry[] = [];
  for (const item of value) {
    const entry = entryOf(item);
    if (entry === undefined) return undefined;
    out.push(entry);
  }
  return out;
}

/** Checks a decoded diff. */
export function parsePresenceDiff(
  value: unknown,
): { room: Room; joins: PresenceEntry[]; leaves: string[] } | undefined {
  if (!isObject(value) || !isName(value.room)) return undefined;
  const joins = entriesOf(value.joins ?? []);
  const leaves = value.leaves ?? [];
  if (joins === undefined || !Array.isArray(leaves) || !leaves.every(isName)) return undefined;
  return { room: value.room, joins, leaves: leaves as string[] };
}

/** Checks a decoded snapshot part. */
export function parsePresenceSnapshot(value: unknown):
  | {
      to: NodeId;
      ask: boolean;
      seq: number;
      last: boolean;
      rooms: Array<[Room, PresenceEntry[]]>;
    }
  | undefined {
  if (!isObject(value) || typeof value.to !== "string") return undefined;
  const { ask, seq, last } = value;
  if (typeof ask !== "boolean" || typeof last !== "boolean") return undefined;
  if (!Number.isInteger(seq) || (seq as number) < 0) return undefined;
  if (!Array.isArray(value.rooms)) return undefined;
  const rooms: Array<[Room, PresenceEntry[]]> = [];
  for (const item of value.rooms) {
    if (!Array.isArray(item) || item.length !== 2 || !isName(item[0])) return undefined;
    const entries = entriesOf(item[1]);
    if (entries === undefined) return undefined;
    rooms.push([item[0], entries]);
  }
  return { to: value.to, ask, seq: seq as number, last, rooms };
}

/** The wire form of entries. */
export function wireEntries(entries: readonly PresenceEntry[]): Array<[string, PresenceMeta]> {
  return entries.map((entry) => [entry.key, entry.meta]);
}
