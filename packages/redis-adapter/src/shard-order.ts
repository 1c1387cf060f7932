/**
 * Per-sender order across the connections of a Redis Cluster (sharded mode). A node receives sharded
 * channels over one connection per master; a sender publishes to another channel only once the previous
 * publish was answered (`RedisPublisher`), so by then the earlier message was already written to this
 * node's other connection — both are readable in the same event-loop poll, but may be read in either order.
 * Messages that carry `(sender, seq)` are therefore held until the check phase of the turn they arrived
 * in, and each sender's messages are then handed on in sequence order, in the slots its messages held
 * (other senders' messages keep their places). Layer: redis-adapter.
 */
import type { ShardedMessage } from "./redis-codec.js";

export class ShardOrder {
  private held: ShardedMessage[] = [];
  private scheduled = false;
  private readonly deliver: (message: ShardedMessage) => void;

  constructor(deliver: (message: ShardedMessage) => void) {
    this.deliver = deliver;
  }

  /** Delivers now when there is nothing to order, else at this turn's check phase. */
  push(message: ShardedMessage): void {
    if (message.sender === undefined) {
      if (this.held.length === 0) this.deliver(message);
      else this.held.push(message);
      return;
    }
    this.held.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const held = this.held;
    this.held = [];
    const slots = new Map<string, number[]>();
    held.forEach((m, i) => {
      if (m.sender === undefined) return;
      const list = slots.get(m.sender);
      if (list === undefined) slots.set(m.sender, [i]);
      else list.push(i);
    });
    const out = held.slice();
    for (const indexes of slots.values()) {
      if (indexes.length < 2) continue;
      const sorted = indexes.map((i) => held[i]!).sort((a, b) => a.seq! - b.seq!);
      indexes.forEach((slot, k) => {
        out[slot] = sorted[k]!;
      });
    }
    for (const message of out) this.deliver(message);
  }
}
