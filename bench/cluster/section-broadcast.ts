/**
 * Cluster bench section `broadcast`: `io.to("spread").emit(...)` from node 0 to a room every client of
 * every node is in. Deliveries per second from the first emit until the last client has the last message;
 * server CPU (all nodes, user + system) per delivery over the same span; Redis egress per broadcast.
 */
import { median } from "../statistics.js";
import type { ClusterSection, SectionContext } from "./cluster-section.js";

export const SPREAD_ROOM = "spread";

interface Round {
  readonly deliveriesPerSecond: number;
  readonly cpuPerDelivery: number;
  readonly egressPerBroadcast: number;
}

async function round(ctx: SectionContext, emits: number, idleRate: number): Promise<Round> {
  const { fleet, options } = ctx;
  const gens = fleet.generators;
  await Promise.all(gens.map((g) => g.handle.request("arm-broadcast", { expected: emits }, 10_000)));
  const before = await fleet.stats();
  const mark = await ctx.redis.mark();
  const start = await fleet.nodes[0]!.request(
    "emit",
    { room: SPREAD_ROOM, emits, perTick: options.perTick, payload: "p".repeat(options.payloadBytes) },
    60_000,
  );
  const receipts = await Promise.all(
    gens.map((g) => g.handle.request("wait-broadcast", { timeoutMs: 120_000 }, 130_000)),
  );
  const after = await fleet.stats();
  const bytes = await ctx.redis.egressSince(mark, idleRate);
  const missing = receipts.reduce((s, r) => s + r.clients - r.complete, 0);
  if (missing > 0) throw new Error(`${fleet.target.name}: ${missing} clients missed broadcasts`);
  const clients = receipts.reduce((s, r) => s + r.clients, 0);
  const lastAt = Math.max(...receipts.map((r) => r.lastAt));
  const deliveries = clients * emits;
  // Node 0's CPU from just before its first emit; the others' from the stats read before it.
  const cpu =
    after[0]!.cpuMicros -
    start.cpuMicros +
    after.slice(1).reduce((s, a, i) => s + a.cpuMicros - before[i + 1]!.cpuMicros, 0);
  return {
    deliveriesPerSecond: deliveries / ((lastAt - start.startedAt) / 1000),
    cpuPerDelivery: cpu / deliveries,
    egressPerBroadcast: Math.max(0, bytes) / emits,
  };
}

export const broadcastSection: ClusterSection = {
  name: "broadcast",
  rows: [
    {
      key: "deliveriesPerSecond",
      label: "room on all nodes: deliveries/s",
      unit: "/s",
      digits: 0,
      goal: { op: ">=", value: 2, baseline: "same-mode", text: "≥ 2×" },
    },
    {
      key: "cpuPerDelivery",
      label: "room on all nodes: server CPU per delivery (all nodes)",
      unit: "µs",
      digits: 2,
      goal: { op: "<=", value: 0.5, baseline: "same-mode", text: "≤ 0.5×" },
    },
    {
      key: "spreadEgress",
      label: "room on all nodes: Redis egress per broadcast",
      unit: "B",
      digits: 0,
    },
  ],
  async run(ctx) {
    const { options, fleet } = ctx;
    await fleet.growTo(options.broadcastClients, options.concurrency);
    const idleRate = await ctx.redis.idleRate(1000);
    await round(ctx, Math.min(5, options.emits), idleRate); // warm-up: JIT, buffers, subscriptions
    const rounds: Round[] = [];
    for (let i = 0; i < options.repeats; i++) rounds.push(await round(ctx, options.emits, idleRate));
    ctx.log(
      `broadcast: ${rounds.map((r) => `${Math.round(r.deliveriesPerSecond)}/s ${r.cpuPerDelivery.toFixed(2)}µs`).join(", ")}`,
    );
    return {
      deliveriesPerSecond: median(rounds.map((r) => r.deliveriesPerSecond)),
      cpuPerDelivery: median(rounds.map((r) => r.cpuPerDelivery)),
      spreadEgress: median(rounds.map((r) => r.egressPerBroadcast)),
    };
  },
};
