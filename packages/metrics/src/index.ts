/**
 * @plexus/metrics — Prometheus metrics (`prom-client`) for a Plexus server: connections, disconnections
 * by reason, refused handshakes, packets and bytes, broadcasts, drops, buffers, recovery, adapters,
 * event-loop lag. Opt-in: a server that does not call {@link enableMetrics} counts nothing.
 */
export type { Labels, MetricSpec } from "./metric-spec.js";
export { enableMetrics, type MetricsOptions, PlexusMetrics } from "./plexus-metrics.js";
