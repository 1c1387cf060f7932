/**
 * The at-least-once queue behind the Socket's `retries` option. One event is in flight at a time; it is re-sent
 * (same arguments, new ack id) whenever its ack times out, until acked or out of retries, then the next event goes.
 * Guarantees: order is kept; delivery is at least once — a late ack means the server sees a duplicate, so
 * handlers of retried events should be idempotent (PROTOCOL.md §B6).
 */

/** Per-emit flags of a Socket (`volatile`, `compress`, `timeout`), plus `fromQueue` for re-sends. */
export interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

/** An ack callback; `withError` callbacks get `null` (or the timeout error) before the server's arguments. */
export type AckFn = ((...args: unknown[]) => void) & { withError?: boolean };

interface QueuedEmit {
  tryCount: number;
  pending: boolean;
  /** Event name, arguments and the queue's own ack callback last. */
  readonly args: unknown[];
  readonly flags: EmitFlags;
}

export class RetryQueue {
  private readonly items: QueuedEmit[] = [];

  constructor(
    /** Extra attempts after the first. */
    private readonly retries: number,
    /** Whether the socket can send now. */
    private readonly canSend: () => boolean,
    /** Emits with the given flags (the socket's emit path, which registers the ack with its timeout). */
    private readonly send: (args: unknown[], flags: EmitFlags) => void,
  ) {}

  /** Queues `[event, ...args]`; a function as last argument gets the final outcome `(err, ...response)`. */
  add(args: unknown[], flags: EmitFlags): void {
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (args.pop() as AckFn) : undefined;
    const item: QueuedEmit = { tryCount: 0, pending: false, args, flags: { ...flags, fromQueue: true } };
    const onAck: AckFn = (err, ...response) => {
      if (item !== this.items[0]) return;
      if (err !== null && err !== undefined) {
        if (item.tryCount > this.retries) {
          this.items.shift();
          ack?.(err);
        }
      } else {
        this.items.shift();
        ack?.(null, ...response);
      }
      item.pending = false;
      this.drain();
    };
    // Always told apart from the server's arguments, even without an ack timeout.
    onAck.withError = true;
    args.push(onAck);
    this.items.push(item);
    this.drain();
  }

  /** Sends the head if nothing is in flight; `force` re-sends it after a reconnection. */
  drain(force = false): void {
    const item = this.items[0];
    if (item === undefined || !this.canSend() || (item.pending && !force)) return;
    item.pending = true;
    item.tryCount++;
    this.send(item.args.slice(), item.flags);
  }
}
