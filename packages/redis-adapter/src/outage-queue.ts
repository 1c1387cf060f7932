/**
 * Cross-node messages waiting while Redis is unreachable: kept in order, bounded by total bytes and by
 * age. What does not fit, or waited longer than `maxAgeMs`, is dropped and counted — a node never grows
 * without bound during an outage, and stale messages are not delivered long after the fact.
 */
/** Where a message's fate is counted (the adapter's counters). */
export interface OutageCounters {
  queued: number;
  droppedWhileDown: number;
}

export interface QueuedPublish {
  readonly counters: OutageCounters;
  readonly channel: string;
  readonly payload: Uint8Array | string;
  readonly sharded: boolean;
  readonly bytes: number;
  readonly at: number;
}

export class OutageQueue {
  private items: QueuedPublish[] = [];
  private head = 0;
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;

  constructor(maxBytes: number, maxAgeMs: number) {
    this.maxBytes = maxBytes;
    this.maxAgeMs = maxAgeMs;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(counters: OutageCounters, channel: string, payload: Uint8Array | string, sharded: boolean): void {
    const now = performance.now();
    this.expire(now);
    const bytes = typeof payload === "string" ? payload.length * 3 : payload.byteLength;
    if (this.bytes + bytes > this.maxBytes) {
      counters.droppedWhileDown++;
      return;
    }
    this.items.push({ counters, channel, payload, sharded, bytes, at: now });
    this.bytes += bytes;
    counters.queued++;
  }

  /** Hands every message still young enough to `send`, oldest first, and empties the queue. */
  drain(send: (item: QueuedPublish) => void): void {
    this.expire(performance.now());
    const items = this.items;
    const head = this.head;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    for (let i = head; i < items.length; i++) send(items[i]!);
  }

  private expire(now: number): void {
    const items = this.items;
    while (this.head < items.length && now - items[this.head]!.at > this.maxAgeMs) {
      const item = items[this.head]!;
      this.bytes -= item.bytes;
      this.head++;
      item.counters.droppedWhileDown++;
    }
    if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}
