/**
 * Broadcasts with acks waiting for other nodes' client counts and acks. A node that dies before sending
 * its count is counted as having had no recipient, so the caller's collector does not wait for it until
 * the ack timeout.
 */
import type { NodeId, ResponseMessage } from "./cluster-message.js";
import { ClusterMessageType } from "./cluster-message.js";

interface AckBroadcast {
  readonly clientCount: (count: number) => void;
  readonly ack: (...args: unknown[]) => void;
  readonly waiting: Set<NodeId>;
  readonly timer: NodeJS.Timeout;
}

export class BroadcastAcks {
  private readonly entries = new Map<string, AckBroadcast>();

  /** Waits for `nodes`' counts and any ack until `timeoutMs` (then forgets the broadcast). */
  add(
    requestId: string,
    nodes: readonly NodeId[],
    timeoutMs: number,
    clientCount: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    const timer = setTimeout(() => this.entries.delete(requestId), timeoutMs);
    this.entries.set(requestId, { clientCount, ack, waiting: new Set(nodes), timer });
  }

  /** A count or an ack; returns false when no broadcast waits for it. */
  answer(response: ResponseMessage): boolean {
    const entry = this.entries.get(response.requestId);
    if (entry === undefined) return false;
    if (response.type === ClusterMessageType.BROADCAST_CLIENT_COUNT) {
      if (response.uid !== undefined) entry.waiting.delete(response.uid);
      entry.clientCount(response.clientCount ?? 0);
    } else if (response.type === ClusterMessageType.BROADCAST_ACK) entry.ack(response.packet);
    return true;
  }

  nodeDown(node: NodeId): void {
    for (const entry of this.entries.values()) if (entry.waiting.delete(node)) entry.clientCount(0);
  }

  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }
}
