/**
 * The rows of the comparison table: which metric of which scenario, how it is shown, and the target ratio
 * (Plexus / socket.io) from issue 6 (and issue 3 for the bare engine).
 */
import type { BenchSizes, ScenarioName } from "./bench-options.js";

export interface ReportRow {
  readonly scenario: ScenarioName;
  readonly metric: string;
  readonly label: string;
  readonly unit: string;
  /** Multiplier from the metric's base unit (bytes, µs, ms, 1/s) to the shown unit. */
  readonly scale: number;
  readonly digits: number;
  /** Target for the ratio last/first implementation. */
  readonly target?: { readonly op: "<=" | ">="; readonly ratio: number };
}

function k(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function span(levels: readonly number[]): string {
  const last = levels[levels.length - 1]!;
  const prev = levels.length > 1 ? levels[levels.length - 2]! : 0;
  return `${k(prev)}→${k(last)}`;
}

const KB = 1 / 1024;

export function reportRows(s: BenchSizes): ReportRow[] {
  const b = `broadcast to ${k(s.broadcastClients)} clients, ${s.broadcastEmits} emits`;
  const echo = `echo with ack at ${s.echoRate}/s, ${k(s.echoClients)} clients`;
  const poll = `long-polling echo at ${s.pollingEchoRate}/s, ${k(s.pollingEchoClients)} clients`;
  return [
    {
      scenario: "websocket-idle",
      metric: "rssPerClient",
      label: `RSS added per idle WebSocket connection (${span(s.wsLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
      target: { op: "<=", ratio: 0.4 },
    },
    {
      scenario: "websocket-idle",
      metric: "heapPerClient",
      label: `heap added per idle WebSocket connection (${span(s.wsLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
      target: { op: "<=", ratio: 0.4 },
    },
    {
      scenario: "websocket-idle",
      metric: "cpuPerConnection",
      label: "server CPU per connection (handshake + namespace connect)",
      unit: "µs",
      scale: 1,
      digits: 0,
      target: { op: "<=", ratio: 0.65 },
    },
    {
      scenario: "websocket-idle",
      metric: "idleCpuPerSec",
      label: `server CPU while idle with ${k(s.wsLevels[s.wsLevels.length - 1]!)} WebSocket connections`,
      unit: "ms/s",
      scale: 1 / 1000,
      digits: 2,
    },
    {
      scenario: "websocket-idle",
      metric: "heartbeatCpuPerClient",
      label: `server CPU per idle WebSocket connection per ping interval (heartbeat, ${k(s.wsLevels[s.wsLevels.length - 1]!)})`,
      unit: "µs",
      scale: 1,
      digits: 1,
    },
    {
      scenario: "broadcast",
      metric: "burstDeliveriesPerSec",
      label: `${b} (${s.burstPerTick}/tick): deliveries/s`,
      unit: "k/s",
      scale: 1 / 1000,
      digits: 1,
      target: { op: ">=", ratio: 2.0 },
    },
    {
      scenario: "broadcast",
      metric: "tickDeliveriesPerSec",
      label: `${b} (1/tick): deliveries/s`,
      unit: "k/s",
      scale: 1 / 1000,
      digits: 1,
      target: { op: ">=", ratio: 1.2 },
    },
    {
      scenario: "broadcast",
      metric: "burstCpuPerDelivery",
      label: "server CPU per delivery (bursts)",
      unit: "µs",
      scale: 1,
      digits: 2,
      target: { op: "<=", ratio: 0.5 },
    },
    {
      scenario: "broadcast",
      metric: "tickCpuPerDelivery",
      label: "server CPU per delivery (1 emit/tick)",
      unit: "µs",
      scale: 1,
      digits: 2,
      target: { op: "<=", ratio: 0.5 },
    },
    {
      scenario: "broadcast",
      metric: "lastClientMs",
      label: `one emit until the last of ${k(s.broadcastClients)} clients has it`,
      unit: "ms",
      scale: 1,
      digits: 1,
      target: { op: "<=", ratio: 0.7 },
    },
    {
      scenario: "echo",
      metric: "cpuPerRoundTrip",
      label: `${echo}: server CPU per round trip`,
      unit: "µs",
      scale: 1,
      digits: 1,
      target: { op: "<=", ratio: 0.75 },
    },
    { scenario: "echo", metric: "p50", label: `${echo}: latency p50`, unit: "ms", scale: 1, digits: 2 },
    {
      scenario: "echo",
      metric: "p99",
      label: `${echo}: latency p99`,
      unit: "ms",
      scale: 1,
      digits: 2,
      target: { op: "<=", ratio: 1.0 },
    },
    {
      scenario: "polling",
      metric: "cpuPerRoundTrip",
      label: `${poll}: server CPU per round trip`,
      unit: "µs",
      scale: 1,
      digits: 0,
      target: { op: "<=", ratio: 0.6 },
    },
    { scenario: "polling", metric: "p99", label: `${poll}: latency p99`, unit: "ms", scale: 1, digits: 2 },
    {
      scenario: "polling",
      metric: "rssPerClient",
      label: `RSS per idle polling client (${span(s.pollingLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
      target: { op: "<=", ratio: 0.6 },
    },
    {
      scenario: "engine-websocket",
      metric: "rssPerClient",
      label: `engine only: RSS per idle WebSocket session (${span(s.engineLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
      target: { op: "<=", ratio: 0.5 },
    },
    {
      scenario: "engine-websocket",
      metric: "heapPerClient",
      label: `engine only: heap per idle WebSocket session (${span(s.engineLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
    },
    {
      scenario: "engine-polling",
      metric: "rssPerClient",
      label: `engine only: RSS per idle polling session (${span(s.engineLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
      target: { op: "<=", ratio: 0.5 },
    },
    {
      scenario: "engine-polling",
      metric: "heapPerClient",
      label: `engine only: heap per idle polling session (${span(s.engineLevels)})`,
      unit: "KB",
      scale: KB,
      digits: 2,
    },
  ];
}
