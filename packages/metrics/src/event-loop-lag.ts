/**
 * Event-loop lag, the first thing to watch on a realtime server (every packet of every connection waits
 * for the loop): a timer due every 10 ms records how late it runs into a `perf_hooks` histogram, read and
 * reset at each scrape, as three gauges: the mean, the 99th percentile and the maximum lag since the
 * previous scrape. Not `monitorEventLoopDelay`: resetting it forgets the interval in progress, so a
 * stall that starts just after a scrape would go unseen; here the timer keeps its own clock.
 * Layer: metrics.
 */
import { createHistogram, performance, type RecordableHistogram } from "node:perf_hooks";
import type { MetricSpec } from "./metric-spec.js";

/** How often the lag is sampled, in ms (prom-client's default metrics sample as often). */
const RESOLUTION_MS = 10;

interface LagSample {
  mean: number;
  p99: number;
  max: number;
}

export class EventLoopLag {
  /** Lags in nanoseconds (a histogram records integers ≥ 1). */
  private readonly histogram: RecordableHistogram = createHistogram();
  private last = performance.now();
  private readonly timer: ReturnType<typeof setInterval>;
  /** The last scrape's figures, in seconds: the first gauge read takes them, the other two reuse them. */
  private sample: LagSample = { mean: 0, p99: 0, max: 0 };

  constructor() {
    this.timer = setInterval(sampleLag, RESOLUTION_MS, this);
    this.timer.unref();
  }

  /** @internal The timer ran: it was due `RESOLUTION_MS` after the previous run. */
  _tick(): void {
    const now = performance.now();
    const lagMs = now - this.last - RESOLUTION_MS;
    this.last = now;
    this.histogram.record(Math.max(1, Math.round(lagMs * 1e6)));
  }

  /** Takes the figures since the previous sample and starts a new period. */
  private take(): LagSample {
    const h = this.histogram;
    // Nothing recorded yet (a scrape right after start): keep the previous figures rather than NaN.
    if (h.count > 0) this.sample = { mean: h.mean / 1e9, p99: h.percentile(99) / 1e9, max: h.max / 1e9 };
    h.reset();
    return this.sample;
  }

  /**
   * The three gauges. Registries collect metrics in registration order, so the mean (first) takes a
   * new sample and the percentile and the maximum read that same one.
   */
  specs(): MetricSpec[] {
    return [
      {
        name: "plexus_event_loop_lag_seconds",
        help: "Mean event-loop delay since the previous scrape.",
        type: "gauge",
        labelNames: [],
        read: (emit) => emit({}, this.take().mean),
      },
      {
        name: "plexus_event_loop_lag_p99_seconds",
        help: "99th percentile of the event-loop delay since the previous scrape.",
        type: "gauge",
        labelNames: [],
        read: (emit) => emit({}, this.sample.p99),
      },
      {
        name: "plexus_event_loop_lag_max_seconds",
        help: "Longest event-loop delay since the previous scrape.",
        type: "gauge",
        labelNames: [],
        read: (emit) => emit({}, this.sample.max),
      },
    ];
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function sampleLag(lag: EventLoopLag): void {
  lag._tick();
}
