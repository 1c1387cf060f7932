/**
 * Presence across a cluster, adapter layer: replicates the presence table (`presence-table.ts`) of one
 * namespace between the nodes of a `ClusterAdapter`. Each node owns its own entries (the sockets it tracks)
 * and is the only one that changes them:
 * - changes of its own entries go to every node as `PRESENCE_DIFF` requests: one per room and event-loop
 *   turn (`setImmediate`), so a burst of joins costs one publish, and a join and leave of one tracking in the
 *   same turn cancel out;
 * - when a node comes up (membership `up`, or any presence message from a node not known yet), this node
 *   sends it a `PRESENCE_SNAPSHOT` of all its own entries (in parts of at most 500) and asks for the other
 *   node's; a snapshot replaces everything the sender owned, so a diff that was missed before it is harmless;
 * - when a node goes down (heartbeat expired, it left, or the broker says it is gone), its entries are removed
 *   and leave diffs follow. While this node holds other nodes' entries it asks the broker every heartbeat
 *   interval whether their owners still exist, so a killed node's entries go within about one interval,
 *   not only when its heartbeat expires.
 * Messages of one sender arrive in order (the cluster base's guarantee), which is all the diffs need.
 */
import type { Room } from "./adapter.js";
import type { ClusterMembership } from "./cluster-membership.js";
import { ClusterMessageType, type NodeId, type RequestMessage } from "./cluster-message.js";
import { parsePresenceDiff, parsePresenceSnapshot, wireEntries } from "./presence-message.js";
import type { PresenceEntry, PresenceTable } from "./presence-table.js";

/** What cluster presence needs of its cluster adapter. */
export interface ClusterPresenceHost {
  readonly nodeId: NodeId;
  readonly membership: ClusterMembership;
  readonly table: PresenceTable;
  /** Publishes a request to every node (`to` undefined) or to one. */
  publish(message: RequestMessage, to: NodeId | undefined): void;
  /** Which of `nodes` still exist, as the broker knows it (absent: only heartbeats tell). */
  readonly probe: ((nodes: readonly NodeId[]) => Promise<ReadonlySet<NodeId>>) | undefined;
  /** How often owners of remote entries are probed, ms (the heartbeat interval). */
  readonly probeIntervalMs: number;
  /** Longest `synced()` waits for the snapshots asked for, ms (the requests timeout). */
  readonly syncTimeoutMs: number;
}

/** Entries per snapshot part: keeps one message far below any broker's size limit. */
const SNAPSHOT_PART_ENTRIES = 500;
/** Most entries one snapshot being received may gather (a sender that never says `last` is dropped). */
const MAX_SNAPSHOT_ENTRIES = 1_000_000;

interface OutgoingDiff {
  readonly joins: Map<string, PresenceEntry>;
  readonly leaves: string[];
}

interface IncomingSnapshot {
  nextSeq: number;
  entries: number;
  readonly ask: boolean;
  readonly rooms: Map<Room, PresenceEntry[]>;
}

export class ClusterPresence {
  private readonly host: ClusterPresenceHost;
  /** Snapshots being received, by sender. */
  private readonly incoming = new Map<NodeId, IncomingSnapshot>();
  /** Nodes asked for their snapshot that have not sent it yet → when `synced()` stops waiting for them. */
  private readonly awaited = new Map<NodeId, number>();
  private waiters: Array<() => void> = [];
  /** This node's changes not published yet, by room. */
  private readonly outgoing = new Map<Room, OutgoingDiff>();
  private flushing: NodeJS.Immediate | undefined;
  private readonly timer: NodeJS.Timeout;
  private probing = false;
  private closed = false;

  constructor(host: ClusterPresenceHost) {
    this.host = host;
    host.table.onLocalChange = (room, joins, leaves) => this.queueDiff(room, joins, leaves);
    host.table.synced = () => this.synced();
    host.membership.on("up", (node) => this.sendSnapshot(node, true));
    host.membership.on("down", (node) => {
      if (this.closed) return;
      this.incoming.delete(node);
      this.settle(node);
      host.table.dropNode(node);
    });
    this.timer = setInterval(() => this.probeOwners(), host.probeIntervalMs).unref();
  }

  /**
   * A request from another node: true when it was a well-formed presence message (acted on), false when
   * it was a malformed one, undefined when it is not a presence message.
   */
  receive(message: RequestMessage): boolean | undefined {
    const { type, uid } = message;
    if (type !== ClusterMessageType.PRESENCE_DIFF && type !== ClusterMessageType.PRESENCE_SNAPSHOT)
      return undefined;
    if (uid === "" || uid === this.host.nodeId || this.closed) return uid !== "";
    if (type === ClusterMessageType.PRESENCE_DIFF) {
      const diff = parsePresenceDiff(message.presence);
      if (diff === undefined) return false;
      this.host.membership.touch(uid);
      this.host.table.apply(diff.room, uid, diff.joins, diff.leaves);
      return true;
    }
    const part = parsePresenceSnapshot(message.presence);
    if (part === undefined) return false;
    // In a classic Redis cluster every node hears every request: a snapshot for another node is not ours.
    if (part.to !== this.host.nodeId) return true;
    this.host.membership.touch(uid);
    let incoming = this.incoming.get(uid);
    if (part.seq === 0) {
      incoming = { nextSeq: 0, entries: 0, ask: part.ask, rooms: new Map() };
      this.incoming.set(uid, incoming);
    }
    if (incoming === undefined || incoming.nextSeq !== part.seq) {
      // A part is missing (the sender restarted its snapshot, or a message was lost): wait for the next one.
      this.incoming.delete(uid);
      return true;
    }
    incoming.nextSeq++;
    for (const [, entries] of part.rooms) incoming.entries += entries.length;
    if (incoming.entries > MAX_SNAPSHOT_ENTRIES) {
      this.incoming.delete(uid);
      return false;
    }
    for (const [room, entries] of part.rooms) {
      const list = incoming.rooms.get(room);
      if (list === undefined) incoming.rooms.set(room, entries);
      else list.push(...entries);
    }
    if (!part.last) return true;
    this.incoming.delete(uid);
    this.host.table.replaceNode(uid, incoming.rooms);
    this.settle(uid);
    if (incoming.ask) this.sendSnapshot(uid, false);
    return true;
  }

  /**
   * Resolves once every node asked for its snapshot sent it or went down, or `syncTimeoutMs` after it was
   * asked (a node that never answers, say one without presence, delays no later call).
   */
  synced(): Promise<void> {
    const now = performance.now();
    let until = Number.POSITIVE_INFINITY;
    for (const [node, deadline] of this.awaited) {
      if (!this.host.membership.has(node) || deadline <= now) this.awaited.delete(node);
      else until = Math.min(until, deadline);
    }
    if (this.awaited.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, until - now).unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearImmediate(this.flushing);
    this.outgoing.clear();
    this.host.table.onLocalChange = undefined;
    this.awaited.clear();
    this.flushWaiters();
  }

  private queueDiff(room: Room, joins: readonly PresenceEntry[], leaves: readonly PresenceEntry[]): void {
    if (this.closed) return;
    let diff = this.outgoing.get(room);
    if (diff === undefined) {
      diff = { joins: new Map(), leaves: [] };
      this.outgoing.set(room, diff);
    }
    for (const entry of joins) diff.joins.set(entry.meta.presence_ref, entry);
    for (const entry of leaves) {
      const ref = entry.meta.presence_ref;
      // Joined and left within this turn: the other nodes need to hear of neither.
      if (!diff.joins.delete(ref)) diff.leaves.push(ref);
    }
    this.flushing ??= setImmediate(() => this.flushDiffs());
  }

  /** Publishes the queued changes: one diff per room. */
  private flushDiffs(): void {
    this.flushing = undefined;
    for (const [room, diff] of this.outgoing) {
      if (diff.joins.size === 0 && diff.leaves.length === 0) continue;
      this.host.publish(
        {
          uid: this.host.nodeId,
          type: ClusterMessageType.PRESENCE_DIFF,
          presence: { room, joins: wireEntries([...diff.joins.values()]), leaves: diff.leaves },
        },
        undefined,
      );
    }
    this.outgoing.clear();
  }

  /** Sends this node's own entries to `node`, in parts (after the changes queued before it). */
  private sendSnapshot(node: NodeId, ask: boolean): void {
    if (this.closed) return;
    clearImmediate(this.flushing);
    this.flushDiffs();
    if (ask) this.awaited.set(node, performance.now() + this.host.syncTimeoutMs);
    let rooms: Array<[Room, ReturnType<typeof wireEntries>]> = [];
    let count = 0;
    let seq = 0;
    const flush = (last: boolean): void => {
      this.host.publish(
        {
          uid: this.host.nodeId,
          type: ClusterMessageType.PRESENCE_SNAPSHOT,
          presence: { to: node, ask, seq: seq++, last, rooms },
        },
        node,
      );
      rooms = [];
      count = 0;
    };
    for (const [room, entries] of this.host.table.localEntries()) {
      let i = 0;
      while (i < entries.length) {
        if (count === SNAPSHOT_PART_ENTRIES) flush(false);
        const slice = entries.slice(i, i + SNAPSHOT_PART_ENTRIES - count);
        rooms.push([room, wireEntries(slice)]);
        count += slice.length;
        i += slice.length;
      }
    }
    flush(true);
  }

  private settle(node: NodeId): void {
    if (!this.awaited.delete(node) || this.awaited.size > 0) return;
    this.flushWaiters();
  }

  private flushWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Drops from the membership the owners of remote entries the broker no longer knows. */
  private probeOwners(): void {
    const probe = this.host.probe;
    if (probe === undefined || this.probing || this.closed) return;
    const nodes = this.host.table.remoteNodes();
    if (nodes.length === 0) return;
    this.probing = true;
    probe(nodes).then(
      (alive) => {
        this.probing = false;
        if (this.closed) return;
        for (const node of nodes) {
          if (alive.has(node)) continue;
          // A member goes down (its entries with it); entries of a node never seen up go directly.
          if (this.host.membership.has(node)) this.host.membership.remove(node);
          else this.host.table.dropNode(node);
        }
      },
      () => {
        this.probing = false;
      },
    );
  }
}
