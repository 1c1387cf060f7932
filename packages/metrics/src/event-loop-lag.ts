/**
 * Event-loop lag, the first thing to watch on a realtime server (every packet of every connection waits
 * for the loop): Node's `monitorEventLoopDelay` histogram, read and reset at each scrape, as three
 * gauges: the mean, the 99th percentile and the maximum delay since the previous scrape. The histogram
 * records the time between its timer's runs, i.e. the sampling interval plus the lag: the interval is
 * taken off (an idle loop reads 0, not 10 ms).
 * Layer: metrics.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { MetricSpec } from "./metric-spec.js";

/** Sampling resolution of the histogram, in ms (prom-client's default metrics use the same). */
const RESOLUTION_MS = 10;

/** Seconds of lag in a recorded interval of `ns` nanoseconds. */
function lag(ns: number): number {
  return Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1e3;
}

interface LagSample {
  mean: number;
  p99: number;
  max: number;
}

export class EventLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  /** The last scrape's figures, in seconds: the first gauge read takes them, the other two reuse them. */
  private sample: LagSample = { mean: 0, p99: 0, max: 0 };

  constructor() {
    this.histogram.enable();
  }

  /** Takes the figures since the previous sample and starts a new period. */
  private take(): LagSample {
    const h = this.histogram;
    // No delay recorded yet (a scrape right after start): keep 0 rather than NaN.
    if (h.count > 0) this.sample = { mean: lag(h.mean), p99: lag(h.percentile(99)), max: lag(h.max) };
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
    this.histogram.disable();
  }
}
