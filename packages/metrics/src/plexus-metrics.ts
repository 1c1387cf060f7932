/**
 * Prometheus metrics for a Plexus server (issue 16), through `prom-client`: {@link enableMetrics} turns
 * on the counters of the engine and the server (`enableStats`, off until then: a server that never calls
 * it counts nothing) and registers the `plexus_*` metrics, which read those counters and the live
 * sessions when they are scraped. `mount()` serves them on the app's HTTP server.
 * Layer: metrics (on top of server).
 */

import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { hostname } from "node:os";
import {
  type EventsMap,
  type NamespaceLabel,
  type Server,
  ServerError,
  ServerErrorCodes,
} from "@plexus/server";
import { Registry } from "prom-client";
import { engineMetricSpecs } from "./engine-metrics.js";
import { EventLoopLag } from "./event-loop-lag.js";
import { type BuiltMetric, buildMetric, type MetricSpec } from "./metric-spec.js";
import { mountRoute } from "./metrics-route.js";
import type { MetricsSource } from "./metrics-source.js";
import { socketMetricSpecs } from "./socket-metrics.js";

export interface MetricsOptions {
  /**
   * The registry to register into, e.g. prom-client's global `register` to serve them with the app's own
   * metrics. Default: a registry of their own ({@link PlexusMetrics.registry}).
   */
  readonly registry?: Registry;
  /**
   * Value of the `node` label every Plexus metric carries. Default: the host name. Give each process its
   * own when several run on one host (e.g. the `node:cluster` worker id).
   */
  readonly node?: string;
  /**
   * The `namespace` label of a namespace. Default: its name. Give one when dynamic namespaces have
   * unbounded names (`(name) => name.startsWith("/user-") ? "/user-*" : name`): labels must stay few.
   * Applies from the first call of `enableMetrics` (or `io.enableStats`) on a server.
   */
  readonly namespaceLabel?: NamespaceLabel;
  /** Measure the event-loop lag (`plexus_event_loop_lag_*`). Default `true`. */
  readonly eventLoopLag?: boolean;
}

/** The metrics of one server, registered in {@link registry}. */
export class PlexusMetrics {
  /** Where the metrics are registered. */
  readonly registry: Registry;
  /** Serves the registry's text (`GET`/`HEAD`; other methods get 405): for Express, `app.get("/metrics", m.handler)`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly io: MetricsSource;
  private readonly built: BuiltMetric[];
  private readonly lag: EventLoopLag | null;
  private readonly unmounts: (() => void)[] = [];

  /** @internal Use {@link enableMetrics}. */
  constructor(
    io: MetricsSource & { enableStats(options?: { namespaceLabel?: NamespaceLabel }): unknown },
    options: MetricsOptions,
  ) {
    this.io = io;
    this.registry = options.registry ?? new Registry();
    const stats = io.enableStats(
      options.namespaceLabel === undefined ? {} : { namespaceLabel: options.namespaceLabel },
    );
    this.lag = options.eventLoopLag === false ? null : new EventLoopLag();
    const specs: MetricSpec[] = [
      ...socketMetricSpecs(io, stats as NonNullable<MetricsSource["stats"]>),
      ...engineMetricSpecs(io),
      ...(this.lag === null ? [] : this.lag.specs()),
    ];
    const node = options.node ?? hostname();
    this.built = [];
    try {
      for (const spec of specs) this.built.push(buildMetric(spec, node, this.registry));
    } catch (err) {
      // A name already in the registry (metrics of another server): leave it as it was.
      this.close();
      throw err;
    }
    this.handler = (req, res) => this.serve(req, res);
  }

  /** The exposition text of the whole registry (what a scrape gets). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** `Content-Type` of {@link metrics}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Serves the metrics at `path` on `server` (default: the server's own HTTP server), in front of its
   * other request listeners.
   *
   * @example
   * enableMetrics(io).mount(); // GET /metrics on the HTTP server io is attached to
   */
  mount(server?: HttpServer, path = "/metrics"): this {
    const target = server ?? (this.io as { httpServer?: HttpServer }).httpServer;
    if (target === undefined) {
      throw new ServerError(
        ServerErrorCodes.INVALID_ARGUMENT,
        "mount() needs an HTTP server: attach the Socket.IO server first, or pass one",
      );
    }
    this.unmounts.push(mountRoute(target, path, this.handler));
    return this;
  }

  /** Takes the metrics out of the registry, stops the lag monitor and the routes. The server's counters stay. */
  close(): void {
    for (const metric of this.built)
      this.registry.removeSingleMetric((metric as unknown as { name: string }).name);
    this.built.length = 0;
    this.lag?.close();
    for (const unmount of this.unmounts.splice(0)) unmount();
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" });
      res.end("Method Not Allowed");
      return;
    }
    this.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": this.registry.contentType, "Cache-Control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }
}

/**
 * Turns on Plexus's counters on `io` and registers its Prometheus metrics (`plexus_*`, every one with a
 * `node` label). Call it once per server and registry.
 *
 * @example
 * import { enableMetrics } from "@plexus/metrics";
 * const io = new Server(httpServer);
 * enableMetrics(io).mount(); // Prometheus scrapes http://host:port/metrics
 */
export function enableMetrics<L extends EventsMap, E extends EventsMap, S extends EventsMap, D>(
  io: Server<L, E, S, D>,
  options: MetricsOptions = {},
): PlexusMetrics {
  return new PlexusMetrics(io as unknown as ConstructorParameters<typeof PlexusMetrics>[0], options);
}
