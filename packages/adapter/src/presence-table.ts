/**
 * Presence entries of one namespace, adapter layer: per room, who is there (`key`, e.g. a user id) with one
 * meta per tracked socket (a tab, a device). The server's `io.presence(room)` writes this node's own
 * entries here; a cluster base (`cluster-presence.ts`) replicates them and writes the other nodes' entries
 * (per node, so a node's entries can be replaced by its snapshot or dropped when it dies).
 *
 * Every meta carries `presence_ref`: the id of one tracking, unique across the cluster, so that a leave
 * names exactly the meta that left (two tabs of one user may have equal metas).
 *
 * Guarantees: a room's listener is called synchronously, once per change that altered the table, with the
 * joins and leaves of that change; `list()` reflects every change whose listener was called.
 */
import type { Room } from "./adapter.js";
import type { NodeId } from "./cluster-message.js";

/** The field Plexus adds to every meta: the id of the tracking it describes. */
export const PRESENCE_REF = "presence_ref";

/** One tracked socket's description: the application's JSON object plus `presence_ref`. */
export type PresenceMeta = { readonly [field: string]: unknown; readonly presence_ref: string };
/** Who is in a room: key → its metas (one per tracked socket), in tracking order. */
export type PresenceState = Record<string, PresenceMeta[]>;
/** A change: metas that joined and metas that left, by key. */
export interface PresenceDiff {
  readonly joins: PresenceState;
  readonly leaves: PresenceState;
}
/** One entry: a key and one of its metas. */
export interface PresenceEntry {
  readonly key: string;
  readonly meta: PresenceMeta;
}
/** Called for every change of one room: the diff, and the refs it is about. */
export type PresenceListener = (diff: PresenceDiff, refs: readonly string[]) => void;

interface Stored {
  readonly key: string;
  readonly meta: PresenceMeta;
  readonly node: NodeId;
}

class RoomEntries {
  readonly byRef = new Map<string, Stored>();
  readonly byKey = new Map<string, Map<string, PresenceMeta>>();
}

export class PresenceTable {
  /** This node's id (`""` on a single node): the owner of the entries `trackLocal` adds. */
  readonly localNode: NodeId;
  /**
   * Set by a cluster base: called after every change of this node's own entries (to replicate it).
   * Not called for changes made through {@link apply}, {@link replaceNode} or {@link dropNode}.
   */
  onLocalChange:
    | ((room: Room, joins: readonly PresenceEntry[], leaves: readonly PresenceEntry[]) => void)
    | undefined;
  /**
   * Resolves once this node has the other nodes' entries it asked for (a cluster base sets it; bounded by
   * its requests timeout). On a single node: at once.
   */
  synced: () => Promise<void> = () => Promise.resolve();
  private readonly rooms = new Map<Room, RoomEntries>();
  /** Node → room → refs it owns there. */
  private readonly owned = new Map<NodeId, Map<Room, Set<string>>>();
  private readonly listeners = new Map<Room, PresenceListener>();

  constructor(localNode: NodeId = "") {
    this.localNode = localNode;
  }

  /** Sets (or, with `undefined`, removes) the one listener of `room`'s changes. */
  listen(room: Room, listener: PresenceListener | undefined): void {
    if (listener === undefined) this.listeners.delete(room);
    else this.listeners.set(room, listener);
  }

  /** Adds one of this node's entries (its ref must be new). */
  trackLocal(room: Room, entry: PresenceEntry): void {
    if (this.apply(room, this.localNode, [entry], [])) this.onLocalChange?.(room, [entry], []);
  }

  /** Removes one of this node's entries; returns it, or undefined when it was not there. */
  untrackLocal(room: Room, ref: string): PresenceEntry | undefined {
    const stored = this.rooms.get(room)?.byRef.get(ref);
    if (stored === undefined || stored.node !== this.localNode) return undefined;
    const entry: PresenceEntry = { key: stored.key, meta: stored.meta };
    this.apply(room, this.localNode, [], [ref]);
    this.onLocalChange?.(room, [], [entry]);
    return entry;
  }

  /**
   * Adds `joins` then removes the refs in `leaves`, all owned by `node`. A join whose ref exists already and
   * a leave of a ref `node` does not own are ignored. Returns true when something changed.
   */
  apply(room: Room, node: NodeId, joins: readonly PresenceEntry[], leaves: readonly string[]): boolean {
    const diff: PresenceDiff = { joins: emptyPresenceState(), leaves: emptyPresenceState() };
    const refs: string[] = [];
    let entries = this.rooms.get(room);
    for (const { key, meta } of joins) {
      const ref = meta.presence_ref;
      if (entries === undefined) {
        entries = new RoomEntries();
        this.rooms.set(room, entries);
      }
      if (entries.byRef.has(ref)) continue;
      entries.byRef.set(ref, { key, meta, node });
      let metas = entries.byKey.get(key);
      if (metas === undefined) {
        metas = new Map();
        entries.byKey.set(key, metas);
      }
      metas.set(ref, meta);
      this.own(node, room).add(ref);
      push(diff.joins, key, meta);
      refs.push(ref);
    }
    if (entries !== undefined) {
      for (const ref of leaves) {
        const stored = entries.byRef.get(ref);
        if (stored === undefined || stored.node !== node) continue;
        this.forget(room, entries, ref, stored);
        push(diff.leaves, stored.key, stored.meta);
        refs.push(ref);
      }
      if (entries.byRef.size === 0) this.rooms.delete(room);
    }
    if (refs.length === 0) return false;
    this.listeners.get(room)?.(diff, refs);
    return true;
  }

  /** Replaces everything `node` owns by `rooms` (its snapshot): leaves and joins for the difference. */
  replaceNode(node: NodeId, rooms: ReadonlyMap<Room, readonly PresenceEntry[]>): void {
    const before = this.owned.get(node);
    const touched = new Set<Room>([...(before?.keys() ?? []), ...rooms.keys()]);
    for (const room of touched) {
      const next = rooms.get(room) ?? [];
      const keep = new Set(next.map((entry) => entry.meta.presence_ref));
      const gone = [...(before?.get(room) ?? [])].filter((ref) => !keep.has(ref));
      this.apply(room, node, next, gone);
    }
  }

  /** Removes every entry of `node` (it died or left): one leave diff per room. */
  dropNode(node: NodeId): void {
    this.replaceNode(node, new Map());
  }

  /** Nodes that own entries (besides this one). */
  remoteNodes(): NodeId[] {
    return [...this.owned.keys()].filter((node) => node !== this.localNode);
  }

  /** Who is in `room`: key → metas (fresh arrays; the metas themselves are shared and must not be mutated). */
  list(room: Room): PresenceState {
    const out = emptyPresenceState();
    const entries = this.rooms.get(room);
    if (entries === undefined) return out;
    for (const [key, metas] of entries.byKey) setPresenceKey(out, key, [...metas.values()]);
    return out;
  }

  /** How many metas `key` has in `room`, across the cluster as this node knows it. */
  metaCount(room: Room, key: string): number {
    return this.rooms.get(room)?.byKey.get(key)?.size ?? 0;
  }

  /** This node's own entries per room (what a snapshot for another node holds). */
  localEntries(): Map<Room, PresenceEntry[]> {
    const out = new Map<Room, PresenceEntry[]>();
    for (const [room, refs] of this.owned.get(this.localNode) ?? []) {
      const entries = this.rooms.get(room);
      if (entries === undefined) continue;
      const list: PresenceEntry[] = [];
      for (const ref of refs) {
        const stored = entries.byRef.get(ref);
        if (stored !== undefined) list.push({ key: stored.key, meta: stored.meta });
      }
      out.set(room, list);
    }
    return out;
  }

  /** Entries of every room and node (a gauge for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const entries of this.rooms.values()) n += entries.byRef.size;
    return n;
  }

  private own(node: NodeId, room: Room): Set<string> {
    let rooms = this.owned.get(node);
    if (rooms === undefined) {
      rooms = new Map();
      this.owned.set(node, rooms);
    }
    let refs = rooms.get(room);
    if (refs === undefined) {
      refs = new Set();
      rooms.set(room, refs);
    }
    return refs;
  }

  private forget(room: Room, entries: RoomEntries, ref: string, stored: Stored): void {
    entries.byRef.delete(ref);
    const metas = entries.byKey.get(stored.key);
    if (metas !== undefined) {
      metas.delete(ref);
      if (metas.size === 0) entries.byKey.delete(stored.key);
    }
    const rooms = this.owned.get(stored.node);
    const refs = rooms?.get(room);
    if (rooms === undefined || refs === undefined) return;
    refs.delete(ref);
    if (refs.size > 0) return;
    rooms.delete(room);
    if (rooms.size === 0) this.owned.delete(stored.node);
  }
}

/** A new, empty state. */
export function emptyPresenceState(): PresenceState {
  return {};
}

/** Sets `state[key]` as an own property, also for a key named `__proto__` (keys are user ids). */
export function setPresenceKey(state: PresenceState, key: string, metas: PresenceMeta[]): void {
  if (key === "__proto__")
    Object.defineProperty(state, key, { value: metas, enumerable: true, writable: true, configurable: true });
  else state[key] = metas;
}

function push(state: PresenceState, key: string, meta: PresenceMeta): void {
  const metas = Object.hasOwn(state, key) ? state[key] : undefined;
  if (metas === undefined) setPresenceKey(state, key, [meta]);
  else metas.push(meta);
}
