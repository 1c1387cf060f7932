/**
 * Cluster bench section `egress`: Redis egress (`INFO stats` `total_net_output_bytes` delta, minus what the
 * idle cluster sends meanwhile) per broadcast to a room whose sockets all live on node 0, sent from node 1.
 * A broker that hands every broadcast to every node pays N copies; per-room routing pays one.
 */
import type { ClusterSection } from "./cluster-section.js";

export const SOLO_ROOM = "solo";

export const egressSection: ClusterSection = {
  name: "egress",
  rows: [
    {
      key: "soloEgress",
      label: "room on 1 node: Redis egress per broadcast",
      unit: "B",
      digits: 0,
      goal: { op: "<=", value: (nodes) => 1 / nodes, baseline: "classic", text: "≤ 1/N of classic" },
    },
  ],
  async run(ctx) {
    const { fleet, options } = ctx;
    if (fleet.nodes.length < 2) throw new Error("the egress section needs at least 2 nodes");
    await fleet.growTo(options.broadcastClients, options.concurrency);
    const holders = fleet.generators.filter((g) => g.node === 0);
    const idleRate = await ctx.redis.idleRate(1000);
    const payload = "p".repeat(options.egressPayloadBytes);
    const send = async (emits: number): Promise<number> => {
      await Promise.all(holders.map((g) => g.handle.request("arm-broadcast", { expected: emits }, 10_000)));
      const mark = await ctx.redis.mark();
      await fleet.nodes[1]!.request(
        "emit",
        { room: SOLO_ROOM, emits, perTick: options.perTick, payload },
        60_000,
      );
      const receipts = await Promise.all(
        holders.map((g) => g.handle.request("wait-broadcast", { timeoutMs: 120_000 }, 130_000)),
      );
      const bytes = await ctx.redis.egressSince(mark, idleRate);
      const missing = receipts.reduce((s, r) => s + r.clients - r.complete, 0);
      if (missing > 0)
        throw new Error(`${fleet.target.name}: ${missing} clients missed broadcasts to ${SOLO_ROOM}`);
      return Math.max(0, bytes) / emits;
    };
    await send(5); // warm-up
    const perBroadcast = await send(options.egressEmits);
    ctx.log(`egress: ${perBroadcast.toFixed(0)} B per broadcast (idle ${(idleRate * 1000).toFixed(0)} B/s)`);
    return { soloEgress: perBroadcast };
  },
};
