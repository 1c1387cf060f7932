/**
 * `connectTimeout` for every engine connection with one timer (issue 6: no per-socket timers).
 * All deadlines share the same delay, so they expire in insertion order: a FIFO queue and a single
 * timer armed for its head are enough. PROTOCOL.md §B3.
 *
 * An entry that no longer waits (it joined a namespace, or its connection closed) is cancelled in
 * O(1) through the slot number it was given: the queue then drops its reference at once, instead of
 * keeping a closed connection's whole object graph alive until the delay has passed (issue 6).
 */

export interface ConnectDeadlineEntry {
  /** Called once the delay has passed, unless cancelled; the entry decides whether it still had to connect. */
  onConnectDeadline(): void;
  /** @internal Where the queue keeps the entry (set by `add`, read by `cancel`). */
  deadlineSlot: number;
}

export class ConnectDeadlines<E extends ConnectDeadlineEntry> {
  private readonly delay: number;
  private entries: (E | undefined)[] = [];
  private deadlines: number[] = [];
  private head = 0;
  /** Slot number of `entries[0]`. Slots only grow, so a slot stays valid when the arrays are compacted. */
  private base = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(delay: number) {
    this.delay = delay;
  }

  add(entry: E): void {
    entry.deadlineSlot = this.base + this.entries.length;
    this.entries.push(entry);
    this.deadlines.push(Date.now() + this.delay);
    if (this.timer === null) this.arm(this.delay);
  }

  /** Forgets `entry` before its deadline (no-op if it is not waiting in this queue). */
  cancel(entry: E): void {
    const i = entry.deadlineSlot - this.base;
    if (i >= this.head && i < this.entries.length && this.entries[i] === entry) this.entries[i] = undefined;
  }

  /** Stops the timer and forgets every entry. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.reset();
  }

  private reset(): void {
    this.base += this.entries.length;
    this.entries = [];
    this.deadlines = [];
    this.head = 0;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(fire, Math.max(0, ms), this);
    this.timer.unref();
  }

  /** @internal */
  expire(): void {
    this.timer = null;
    const now = Date.now();
    const { entries, deadlines } = this;
    while (this.head < entries.length && deadlines[this.head]! <= now) {
      const entry = entries[this.head];
      entries[this.head] = undefined;
      this.head++;
      entry?.onConnectDeadline();
    }
    if (this.head === entries.length) {
      this.reset();
      return;
    }
    if (this.head > 1024 && this.head * 2 > entries.length) {
      this.entries = entries.slice(this.head);
      this.deadlines = deadlines.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    this.arm(this.deadlines[this.head]! - now);
  }
}

function fire(deadlines: ConnectDeadlines<ConnectDeadlineEntry>): void {
  deadlines.expire();
}
