/**
 * Test resources of the metrics: a Plexus server with metrics on (the server tests' own helpers
 * underneath), and scrapes parsed by the strict exposition-format parser, so every value a test reads
 * has passed the format check. Test code only.
 */
import assert from "node:assert/strict";
import { enableMetrics, type MetricsOptions, type PlexusMetrics } from "@plexus/metrics";
import type { ServerOptions } from "@plexus/server";
import {
  type MetricFamily,
  parsePrometheusText,
  seriesValue,
} from "../../../test-support/prometheus-text.js";
import { httpRequest, startServer, type TestServer } from "../../server/test/helpers.js";

export {
  deferred,
  httpRequest,
  next,
  RawPolling,
  rawConnect,
  startServer,
} from "../../server/test/helpers.js";

export interface MetricsServer extends TestServer {
  metrics: PlexusMetrics;
  /** GET /metrics on the server, checked and parsed. */
  scrape(): Promise<Scrape>;
}

/** One parsed scrape. */
export class Scrape {
  constructor(readonly families: Map<string, MetricFamily>) {}

  /** The value of the one series of `name` whose labels include `labels`. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return seriesValue(this.families, name, labels);
  }

  /** The series of `name` (none when the family has no sample). */
  series(name: string): MetricFamily["samples"] {
    return this.families.get(name)?.samples ?? [];
  }
}

/** Fetches `path` and parses the exposition strictly. */
export async function scrapeHttp(port: number, path = "/metrics"): Promise<Scrape> {
  const res = await httpRequest(port, path);
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  return new Scrape(parsePrometheusText(res.body));
}

/** A test server with metrics mounted at /metrics, `node` label "test-node". */
export async function startMetricsServer(
  opts: Partial<ServerOptions> = {},
  metricsOptions: MetricsOptions = {},
): Promise<MetricsServer> {
  const base = await startServer(opts);
  const metrics = enableMetrics(base.io, { node: "test-node", ...metricsOptions }).mount();
  const close = base.close;
  // The base's asyncDispose calls `close` on this same object: the metrics go first.
  return Object.assign(base, {
    metrics,
    scrape: () => scrapeHttp(base.port),
    async close() {
      metrics.close();
      await close();
    },
  });
}
