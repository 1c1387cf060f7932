/**
 * Flood control at the handshake, per remote address (off unless an option is set): new sessions per
 * second (`maxHandshakesPerSecondPerAddress`, a token bucket per address) and sessions open at once
 * (`maxSessionsPerAddress`). A refused handshake gets Engine.IO's HTTP error shape — `403
 * {"code":4,"message":"…"}` for polling, `400` with the message for a WebSocket, exactly as a refusal by
 * `allowRequest` — and a `connection_error` event. The address is the TCP peer's: behind a proxy every
 * client shares the proxy's, so these limits belong on the proxy there (or leave them off).
 * Memory is bounded by the addresses active now: a bucket is forgotten once it is full again (a periodic
 * sweep, only while a limit is on), a session count once it is back to zero.
 * Layer: engine.
 */
import type { ErrorContext } from "./http-errors.js";
import { TokenBucket } from "./token-bucket.js";

/** `connection_error` context names and the messages of refused handshakes. */
export const AddressLimitErrors = {
  TOO_MANY_HANDSHAKES: { name: "TOO_MANY_HANDSHAKES", message: "Too many new connections from this address" },
  TOO_MANY_SESSIONS: { name: "TOO_MANY_SESSIONS", message: "Too many sessions from this address" },
} as const satisfies Record<string, ErrorContext>;

const SWEEP_MS = 10_000;

export class AddressLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly sessions = new Map<string, number>();
  private sweepTimer: NodeJS.Timeout | null = null;

  /** `handshakesPerSecond` / `maxSessions`: 0 turns that limit off. */
  constructor(
    private readonly handshakesPerSecond: number,
    private readonly maxSessions: number,
  ) {}

  /** Whether a new session from `address` may open now; a refusal's `connection_error` context otherwise. */
  admit(address: string): ErrorContext | null {
    if (this.maxSessions > 0 && (this.sessions.get(address) ?? 0) >= this.maxSessions) {
      return AddressLimitErrors.TOO_MANY_SESSIONS;
    }
    if (this.handshakesPerSecond > 0) {
      const now = performance.now();
      let bucket = this.buckets.get(address);
      if (bucket === undefined) {
        bucket = new TokenBucket(this.handshakesPerSecond, now);
        this.buckets.set(address, bucket);
        this.sweepTimer ??= setInterval(sweep, SWEEP_MS, this).unref();
      }
      if (!bucket.take(now)) return AddressLimitErrors.TOO_MANY_HANDSHAKES;
    }
    return null;
  }

  /** A session from `address` opened. */
  opened(address: string): void {
    if (this.maxSessions > 0) this.sessions.set(address, (this.sessions.get(address) ?? 0) + 1);
  }

  /** A session from `address` closed. */
  closed(address: string): void {
    if (this.maxSessions === 0) return;
    const left = (this.sessions.get(address) ?? 1) - 1;
    if (left <= 0) this.sessions.delete(address);
    else this.sessions.set(address, left);
  }

  /** @internal Forgets full buckets; stops sweeping when none is left. */
  sweep(): void {
    const now = performance.now();
    for (const [address, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(address);
    if (this.buckets.size === 0) this.stop();
  }

  stop(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }
}

function sweep(limits: AddressLimits): void {
  limits.sweep();
}
