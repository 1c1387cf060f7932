/**
 * `connectTimeout` for every engine connection with one timer (issue 6: no per-socket timers).
 * All deadlines share the same delay, so they expire in insertion order: a FIFO queue and a single
 * timer armed for its head are enough. Entries are cancelled lazily (the owner says, on expiry,
 * whether it still waits). PROTOCOL.md §B3.
 */

export interface ConnectDeadlineEntry {
  /** Called once the delay has passed; the entry decides whether it still had to connect. */
  onConnectDeadline(): void;
}

export class ConnectDeadlines<E extends ConnectDeadlineEntry> {
  private readonly delay: number;
  private entries: E[] = [];
  private deadlines: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(delay: number) {
    this.delay = delay;
  }

  add(entry: E): void {
    this.entries.push(entry);
    this.deadlines.push(Date.now() + this.delay);
    if (this.timer === null) this.arm(this.delay);
  }

  /** Stops the timer and forgets every entry. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
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
      const entry = entries[this.head]!;
      this.head++;
      entry.onConnectDeadline();
    }
    if (this.head === entries.length) {
      this.entries = [];
      this.deadlines = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > entries.length) {
      this.entries = entries.slice(this.head);
      this.deadlines = deadlines.slice(this.head);
      this.head = 0;
    }
    this.arm(this.deadlines[this.head]! - now);
  }
}

function fire(deadlines: ConnectDeadlines<ConnectDeadlineEntry>): void {
  deadlines.expire();
}
