/**
 * Cluster bench section `fetch-sockets`: `io.fetchSockets()` from node 0 with `--fetch-sockets` sockets
 * spread evenly over the nodes (10k by default), sequential calls, latency p50 and p99 as seen by node 0.
 */
import { percentile } from "../statistics.js";
import type { ClusterSection } from "./cluster-section.js";

export const fetchSocketsSection: ClusterSection = {
  name: "fetch-sockets",
  rows: [
    { key: "fetchP50", label: "fetchSockets() of all sockets: p50", unit: "ms", digits: 1 },
    { key: "fetchP99", label: "fetchSockets() of all sockets: p99", unit: "ms", digits: 1 },
  ],
  async run(ctx) {
    const { fleet, options } = ctx;
    const perNode = Math.ceil(options.fetchSockets / fleet.nodes.length);
    await fleet.growTo(perNode, options.concurrency);
    const node = fleet.nodes[0]!;
    await node.request("fetch-sockets", { samples: 2 }, 300_000); // warm-up
    const { latencies, sockets } = await node.request(
      "fetch-sockets",
      { samples: options.fetchSamples },
      600_000,
    );
    if (sockets !== fleet.totalClients)
      throw new Error(`${fleet.target.name}: fetchSockets found ${sockets} of ${fleet.totalClients} sockets`);
    ctx.log(`fetch-sockets: ${sockets} sockets, ${latencies.map((l) => l.toFixed(0)).join(" ")} ms`);
    return { fetchP50: percentile(latencies, 50), fetchP99: percentile(latencies, 99) };
  },
};
