/**
 * Exponential backoff with jitter for reconnection delays: `min * 2^attempt`, spread by ±`jitter`, capped at `max`.
 */
export class Backoff {
  attempts = 0;

  constructor(
    public min = 1000,
    public max = 5000,
    public jitter = 0.5,
  ) {}

  /** The delay before the next attempt, in milliseconds; counts the attempt. */
  duration(): number {
    let ms = this.min * 2 ** this.attempts++;
    if (this.jitter > 0) {
      const deviation = Math.random() * this.jitter * ms;
      ms = Math.random() < 0.5 ? ms - deviation : ms + deviation;
    }
    return Math.min(Math.floor(ms), this.max) | 0;
  }

  reset(): void {
    this.attempts = 0;
  }
}
