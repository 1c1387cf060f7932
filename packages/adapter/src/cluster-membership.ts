/**
 * Who else is in the cluster: node ids with the time their last heartbeat expires. A node is a member
 * from its first message until its heartbeat expires, it says it leaves, or the broker reports it gone.
 * Node counts and the nodes a request waits for come from here, never from broker subscriber counts
 * (except `foreignNodes`: socket.io nodes of a mixed cluster, which send no heartbeats).
 */
import { EventEmitter } from "node:events";
import type { NodeId } from "./cluster-message.js";

export interface ClusterMembershipEvents {
  /** A node was seen for the first time (or again after it was dropped). */
  up: [node: NodeId];
  /** A node expired, left, or was reported gone. */
  down: [node: NodeId];
  /** This node heard its own heartbeat through the broker: its subscriptions work (after a reconnection too). */
  self: [node: NodeId];
}

export class ClusterMembership extends EventEmitter<ClusterMembershipEvents> {
  /** This node. */
  readonly self: NodeId;
  /** Other nodes → time (ms, monotonic) their membership expires. */
  private readonly deadlines = new Map<NodeId, number>();
  private readonly timeoutMs: number;
  /**
   * Nodes without a Plexus id (socket.io nodes running `@socket.io/redis-adapter`) the broker counted; a
   * request waits for that many anonymous answers besides the members'.
   */
  foreignNodes = 0;

  constructor(self: NodeId, timeoutMs: number) {
    super();
    this.self = self;
    this.timeoutMs = timeoutMs;
  }

  /** Records a sign of life; returns true when the node is new. */
  touch(node: NodeId, now = performance.now()): boolean {
    if (node === this.self) return false;
    const known = this.deadlines.has(node);
    this.deadlines.set(node, now + this.timeoutMs);
    if (!known) this.emit("up", node);
    return !known;
  }

  has(node: NodeId): boolean {
    return this.deadlines.has(node);
  }

  remove(node: NodeId): void {
    if (this.deadlines.delete(node)) this.emit("down", node);
  }

  /** Drops every node whose heartbeat expired. */
  sweep(now = performance.now()): void {
    for (const [node, deadline] of this.deadlines) if (deadline <= now) this.remove(node);
  }

  /** The other live nodes. */
  nodes(): NodeId[] {
    return [...this.deadlines.keys()];
  }

  /** Live nodes, this one and socket.io nodes included. */
  get count(): number {
    return this.deadlines.size + 1 + this.foreignNodes;
  }

  clear(): void {
    for (const node of [...this.deadlines.keys()]) this.remove(node);
  }
}
