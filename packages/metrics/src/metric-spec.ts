/**
 * How a Plexus metric is declared (name, help, type, labels, and a function reading its series when it
 * is scraped) and turned into a `prom-client` metric. Nothing is pushed into prom-client while the
 * server runs: each metric's `collect()` copies the current values of the engine's and the server's
 * counters at scrape time, so the cost of metrics is paid per scrape, not per packet.
 * Layer: metrics (on top of server).
 */
import { Counter, Gauge, type Registry } from "prom-client";

/** Label values of one series, the `node` label aside. */
export type Labels = Readonly<Record<string, string>>;

/** Hands one series (labels and current value) to the metric being collected. */
export type EmitSeries = (labels: Labels, value: number) => void;

/** One Plexus metric. */
export interface MetricSpec {
  /** `plexus_…`, Prometheus conventions: `_total` for counters, base units (`_bytes`, `_seconds`). */
  readonly name: string;
  readonly help: string;
  /** A counter only grows (its source is a monotonic count); a gauge is a current value. */
  readonly type: "counter" | "gauge";
  /** Label names besides `node`; their values are bounded (never a room or socket id). */
  readonly labelNames: readonly string[];
  /** Emits every series with its current value. */
  read(emit: EmitSeries): void;
}

/** A prom-client metric built from a spec. */
export type BuiltMetric = Counter<string> | Gauge<string>;

/**
 * Builds `spec` as a prom-client counter or gauge registered in `registry`, each series labelled with
 * `node`. Series not emitted at a scrape disappear from it (a namespace that was removed).
 */
export function buildMetric(spec: MetricSpec, node: string, registry: Registry): BuiltMetric {
  const labelNames = ["node", ...spec.labelNames];
  const base = { name: spec.name, help: spec.help, labelNames, registers: [registry] };
  if (spec.type === "counter") {
    const counter: Counter<string> = new Counter({
      ...base,
      collect() {
        counter.reset();
        spec.read((labels, value) => counter.inc({ ...labels, node }, value));
      },
    });
    return counter;
  }
  const gauge: Gauge<string> = new Gauge({
    ...base,
    collect() {
      gauge.reset();
      spec.read((labels, value) => gauge.set({ ...labels, node }, value));
    },
  });
  return gauge;
}

/** Adds `by` to the count kept under `key`. */
export function addTo(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
