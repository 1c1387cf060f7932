/**
 * The scenarios of a benchmark run. Each one starts its own server process (the implementation under
 * test) and its own load generators, and returns metrics in base units (bytes, µs, ms, per second).
 */
import type { ScenarioName } from "../bench-options.js";
import type { ServerLevel } from "../control-messages.js";
import type { ScenarioContext, ScenarioResult } from "../scenario-context.js";
import { broadcastFanOut } from "./broadcast-fan-out.js";
import { echoRoundTrips } from "./echo-round-trips.js";
import { memoryRamp } from "./memory-ramp.js";

export type ScenarioRunner = (ctx: ScenarioContext) => Promise<ScenarioResult>;

async function websocketIdle(ctx: ScenarioContext): Promise<ScenarioResult> {
  const levels = ctx.options.sizes.wsLevels;
  const server = await ctx.startServer("socket");
  await ctx.startGenerators(Math.max(...levels));
  const ramp = await memoryRamp(ctx, levels, "websocket");
  const metrics = { ...ramp.metrics };
  if (ctx.options.sizes.heartbeatWindow) {
    // A window of one ping interval holds exactly one ping/pong per client, whenever it starts.
    const before = await server.request("stats", { gc: false }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, ctx.options.pingInterval));
    const after = await server.request("stats", { gc: false }, 10_000);
    metrics.heartbeatCpuPerClient = (after.cpuMicros - before.cpuMicros) / after.clients;
    ctx.log(
      `heartbeats: ${metrics.heartbeatCpuPerClient.toFixed(1)} µs CPU per client per ${ctx.options.pingInterval} ms ping interval`,
    );
  }
  return { metrics, series: { websocket: ramp.points }, detail: server.ready.detail };
}

async function broadcast(ctx: ScenarioContext): Promise<ScenarioResult> {
  const n = ctx.options.sizes.broadcastClients;
  const server = await ctx.startServer("socket");
  await ctx.startGenerators(n);
  await ctx.connectTo(n, "websocket");
  return { metrics: await broadcastFanOut(ctx), detail: server.ready.detail };
}

async function echo(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { sizes } = ctx.options;
  const server = await ctx.startServer("socket");
  await ctx.startGenerators(sizes.echoClients);
  await ctx.connectTo(sizes.echoClients, "websocket");
  const metrics = await echoRoundTrips(ctx, {
    clients: sizes.echoClients,
    rate: sizes.echoRate,
    seconds: sizes.echoSeconds,
    warmupSeconds: Math.min(1, sizes.echoSeconds / 2),
    payloadBytes: sizes.echoPayload,
  });
  return { metrics, detail: server.ready.detail };
}

async function polling(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { sizes } = ctx.options;
  const levels = sizes.pollingLevels;
  const server = await ctx.startServer("socket");
  await ctx.startGenerators(Math.max(...levels, sizes.pollingEchoClients));
  const plan = {
    clients: sizes.pollingEchoClients,
    rate: sizes.pollingEchoRate,
    seconds: sizes.echoSeconds,
    warmupSeconds: Math.min(1, sizes.echoSeconds / 2),
    payloadBytes: sizes.echoPayload,
  };
  // Round trips are measured as soon as enough clients are connected, well within the first ping
  // interval, so the CPU reading holds round trips only, not the heartbeats of thousands of idle polls.
  let echoMetrics: Record<string, number> | undefined;
  const ramp = await memoryRamp(ctx, levels, "polling", async () => {
    if (echoMetrics !== undefined || ctx.clients < plan.clients) return;
    echoMetrics = await echoRoundTrips(ctx, plan);
  });
  echoMetrics ??= await echoRoundTrips(ctx, plan);
  return {
    metrics: { ...ramp.metrics, ...echoMetrics },
    series: { polling: ramp.points },
    detail: server.ready.detail,
  };
}

async function engineIdle(ctx: ScenarioContext, transport: "websocket" | "polling"): Promise<ScenarioResult> {
  const levels = ctx.options.sizes.engineLevels;
  const server = await ctx.startServer("engine");
  await ctx.startGenerators(Math.max(...levels));
  const ramp = await memoryRamp(ctx, levels, transport);
  return {
    metrics: ramp.metrics,
    series: { [`engine-${transport}`]: ramp.points },
    detail: server.ready.detail,
  };
}

export const SCENARIOS: { readonly [N in ScenarioName]: ScenarioRunner } = {
  "websocket-idle": websocketIdle,
  broadcast,
  echo,
  polling,
  "engine-websocket": (ctx) => engineIdle(ctx, "websocket"),
  "engine-polling": (ctx) => engineIdle(ctx, "polling"),
};

/** Server level and transport each scenario needs (the `ws` floor serves Socket.IO over WebSocket only). */
export const SCENARIO_SHAPE: {
  readonly [N in ScenarioName]: readonly [ServerLevel, "websocket" | "polling"];
} = {
  "websocket-idle": ["socket", "websocket"],
  broadcast: ["socket", "websocket"],
  echo: ["socket", "websocket"],
  polling: ["socket", "polling"],
  "engine-websocket": ["engine", "websocket"],
  "engine-polling": ["engine", "polling"],
};
