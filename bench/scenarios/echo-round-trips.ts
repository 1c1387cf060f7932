/**
 * Events with ack at a fixed total rate (open loop) from the first N clients; latency measured at the
 * clients, server CPU per round trip from the server's own `cpuUsage()`.
 */
import type { EchoResult } from "../control-messages.js";
import type { ScenarioContext } from "../scenario-context.js";
import { percentile } from "../statistics.js";

export interface EchoPlan {
  readonly clients: number;
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly payloadBytes: number;
}

async function once(ctx: ScenarioContext, plan: EchoPlan, seconds: number): Promise<EchoResult[]> {
  const gens = ctx.generators;
  const perGen = Math.ceil(plan.clients / gens.length);
  const payload = "e".repeat(plan.payloadBytes);
  return Promise.all(
    gens.map((g) =>
      g.request(
        "echo",
        { rate: plan.rate / gens.length, durationMs: seconds * 1000, clients: perGen, payload },
        seconds * 1000 + 30_000,
      ),
    ),
  );
}

export async function echoRoundTrips(ctx: ScenarioContext, plan: EchoPlan): Promise<Record<string, number>> {
  const server = ctx.requireServer();
  await once(ctx, plan, plan.warmupSeconds);
  const before = await server.request("stats", { gc: false }, 10_000);
  const results = await once(ctx, plan, plan.seconds);
  const after = await server.request("stats", { gc: false }, 10_000);
  const sent = results.reduce((s, r) => s + r.sent, 0);
  const acked = results.reduce((s, r) => s + r.acked, 0);
  const latencies = results.flatMap((r) => r.latencies);
  const metrics = {
    cpuPerRoundTrip: (after.cpuMicros - before.cpuMicros) / acked,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    roundTripsPerSec: acked / plan.seconds,
    lost: sent - acked,
  };
  ctx.log(
    `echo ${plan.clients} clients at ${plan.rate}/s: ${metrics.cpuPerRoundTrip.toFixed(1)} µs CPU/round trip, ` +
      `p50 ${metrics.p50.toFixed(2)} ms, p99 ${metrics.p99.toFixed(2)} ms, ${sent - acked} unanswered`,
  );
  return metrics;
}
