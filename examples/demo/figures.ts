/**
 * The "Server" panel: once a second this node reads its own Prometheus metrics (the registry that
 * `/metrics` serves) and tells every page connections, messages per second in and out, and its heap per
 * connection (the live heap after the last major garbage collection, above the idle one, divided by the
 * connections). Each node of a cluster sends its own line. Sent volatile: a second that cannot go out at
 * once is replaced by the next one, and is never kept for connection state recovery.
 * Part of the demo (examples/demo), not of the library.
 */
import { constants, PerformanceObserver } from "node:perf_hooks";
import type { PlexusMetrics } from "@plexus/metrics";
import type { DemoServer, ServerFigures } from "./events.js";

/** Sum of a metric's series (optionally only those whose labels match), read without a full scrape. */
async function total(
  metrics: PlexusMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  let sum = 0;
  for (const { value, labels: own } of values) {
    if (Object.entries(labels).every(([k, v]) => own[k] === v)) sum += value;
  }
  return sum;
}

/**
 * The heap still in use after the last major garbage collection (until the first one: the heap at start),
 * what the connections really hold: the heap at any moment is mostly garbage waiting for a collection.
 */
function liveHeap(): { readonly bytes: number; stop(): void } {
  const state = {
    bytes: process.memoryUsage().heapUsed,
    stop: () => observer.disconnect(),
  };
  const observer = new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some(
        (e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (major) state.bytes = process.memoryUsage().heapUsed;
  });
  observer.observe({ entryTypes: ["gc"] });
  return state;
}

/** Starts the once-a-second figures; returns a function that stops them. */
export function startFigures(io: DemoServer, metrics: PlexusMetrics, node: string): () => void {
  const live = liveHeap();
  // The idle heap: the lowest live heap seen while no socket was connected (at start, whenever all left).
  let idleHeap = live.bytes;
  let last = { at: performance.now(), in: 0, out: 0 };
  const tick = async (): Promise<void> => {
    const [connections, messagesIn, messagesOut] = await Promise.all([
      total(metrics, "plexus_connected_sockets", { namespace: "/" }),
      total(metrics, "plexus_packets_received_total"),
      total(metrics, "plexus_packets_sent_total"),
    ]);
    const now = performance.now();
    const seconds = (now - last.at) / 1000;
    if (connections === 0) idleHeap = Math.min(idleHeap, live.bytes);
    const figures: ServerFigures = {
      node,
      connections,
      messagesInPerSecond: Math.round((messagesIn - last.in) / seconds),
      messagesOutPerSecond: Math.round((messagesOut - last.out) / seconds),
      heapBytes: process.memoryUsage().heapUsed,
      heapPerConnectionBytes:
        connections === 0 ? 0 : Math.max(0, Math.round((live.bytes - idleHeap) / connections)),
      at: Date.now(),
    };
    last = { at: now, in: messagesIn, out: messagesOut };
    io.volatile.emit("figures", figures);
  };
  const timer = setInterval(() => void tick(), 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    live.stop();
  };
}
