/**
 * A token bucket: `rate` tokens per second, holding at most `rate` (one second's burst). Used by the flood
 * controls — new connections per remote address here in the engine (address-limits.ts), events per socket
 * in `@plexus/server` — only when the option is on. Two numbers per bucket, no timer.
 * Layer: engine.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** A full bucket at time `now` (ms, any monotonic clock shared by the calls). */
  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = rate;
    this.last = now;
  }

  /** Takes one token if there is one; false means the caller is over the rate. */
  take(now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.rate, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether the bucket is full again at `now` (the holder may forget it: a new one is the same). */
  full(now: number): boolean {
    return this.tokens + ((now - this.last) * this.rate) / 1000 >= this.rate;
  }
}
