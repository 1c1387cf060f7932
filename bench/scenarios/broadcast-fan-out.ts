/**
 * `io.emit` to every connected WebSocket client: deliveries per second with bursts (several emits per
 * event-loop turn) and with one emit per turn, server CPU per delivery, and the time from one emit until
 * the last client has it.
 */
import type { BroadcastParams } from "../control-messages.js";
import type { ScenarioContext } from "../scenario-context.js";
import { median } from "../statistics.js";

interface Fanout {
  /** From the first emit to the moment the last client had the last message (ms). */
  readonly durationMs: number;
  /** From the first emit to the moment the first client had a message (ms). */
  readonly firstMs: number;
  /** From the first emit until the server had written the last frame (ms). */
  readonly writtenMs: number;
  readonly deliveries: number;
  readonly cpuMicros: number;
}

async function fanout(ctx: ScenarioContext, params: BroadcastParams): Promise<Fanout> {
  const server = ctx.requireServer();
  const gens = ctx.generators;
  await Promise.all(gens.map((g) => g.request("arm-broadcast", { expected: params.emits }, 10_000)));
  const start = await server.request("broadcast", params, 60_000);
  const receipts = await Promise.all(
    gens.map((g) => g.request("wait-broadcast", { timeoutMs: 120_000 }, 130_000)),
  );
  const after = await server.request("stats", { gc: false }, 10_000);
  const incomplete = receipts.reduce((s, r) => s + (r.clients - r.complete), 0);
  if (incomplete > 0) throw new Error(`${incomplete} clients missed broadcast messages`);
  const clients = receipts.reduce((s, r) => s + r.clients, 0);
  const lastAt = Math.max(...receipts.map((r) => r.lastAt));
  const firstAt = Math.min(...receipts.map((r) => r.firstAt));
  return {
    durationMs: lastAt - start.startedAt,
    firstMs: firstAt - start.startedAt,
    writtenMs: start.writtenAt - start.startedAt,
    deliveries: clients * params.emits,
    cpuMicros: after.cpuMicros - start.cpuMicros,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function broadcastFanOut(ctx: ScenarioContext): Promise<Record<string, number>> {
  const { sizes } = ctx.options;
  const payload = "p".repeat(sizes.broadcastPayload);
  const single: BroadcastParams = { emits: 1, perTick: 1, payload };
  // Warm-up: JIT and buffers, not measured.
  for (let i = 0; i < 3; i++) await fanout(ctx, single);
  const metrics: Record<string, number> = {};
  const phases = [
    ["burst", sizes.burstPerTick],
    ["tick", 1],
  ] as const;
  for (const [name, perTick] of phases) {
    const rates: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < sizes.broadcastRepeats; i++) {
      await pause(200);
      const r = await fanout(ctx, { emits: sizes.broadcastEmits, perTick, payload });
      rates.push(r.deliveries / (r.durationMs / 1000));
      cpus.push(r.cpuMicros / r.deliveries);
    }
    metrics[`${name}DeliveriesPerSec`] = median(rates);
    metrics[`${name}CpuPerDelivery`] = median(cpus);
    ctx.log(
      `broadcast ${sizes.broadcastEmits} emits (${perTick}/tick) to ${ctx.clients}: ` +
        `${rates.map((r) => (r / 1000).toFixed(1)).join(", ")}k deliveries/s, ` +
        `${cpus.map((c) => c.toFixed(2)).join(", ")} µs CPU/delivery`,
    );
  }
  const latencies: number[] = [];
  const firsts: number[] = [];
  const written: number[] = [];
  for (let i = 0; i < sizes.latencySamples; i++) {
    await pause(200);
    const r = await fanout(ctx, single);
    latencies.push(r.durationMs);
    firsts.push(r.firstMs);
    written.push(r.writtenMs);
  }
  metrics.lastClientMs = median(latencies);
  metrics.firstClientMs = median(firsts);
  metrics.serverWrittenMs = median(written);
  ctx.log(
    `one emit until the last of ${ctx.clients} clients has it: ${latencies.map((l) => l.toFixed(0)).join(", ")} ms; ` +
      `server done writing after ${written.map((l) => l.toFixed(0)).join(", ")} ms`,
  );
  return metrics;
}
