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

/** How a row's value is shown. */
type Shown = Pick<ReportRow, "unit" | "scale" | "digits">;

const KILOBYTES: Shown = { unit: "KB", scale: KB, digits: 2 };
const micros = (digits: number): Shown => ({ unit: "µs", scale: 1, digits });
const millis = (digits: number): Shown => ({ unit: "ms", scale: 1, digits });

/** A row where lower is better; `atMost` is the target ratio, if issue 6 sets one. */
function row(
  scenario: ScenarioName,
  metric: string,
  label: string,
  shown: Shown,
  atMost?: number,
): ReportRow {
  const r: ReportRow = { scenario, metric, label, ...shown };
  return atMost === undefined ? r : { ...r, target: { op: "<=", ratio: atMost } };
}

export function reportRows(s: BenchSizes): ReportRow[] {
  const b = `broadcast to ${k(s.broadcastClients)} clients, ${s.broadcastEmits} emits`;
  const echo = `echo with ack at ${s.echoRate}/s, ${k(s.echoClients)} clients`;
  const poll = `long-polling echo at ${s.pollingEchoRate}/s, ${k(s.pollingEchoClients)} clients`;
  const ws = span(s.wsLevels);
  const wsLast = k(s.wsLevels[s.wsLevels.length - 1]!);
  const engine = span(s.engineLevels);
  return [
    row("websocket-idle", "rssPerClient", `RSS added per idle WebSocket connection (${ws})`, KILOBYTES, 0.4),
    row(
      "websocket-idle",
      "heapPerClient",
      `heap added per idle WebSocket connection (${ws})`,
      KILOBYTES,
      0.4,
    ),
    row(
      "websocket-idle",
      "cpuPerConnection",
      "server CPU per connection (handshake + namespace connect)",
      micros(0),
      0.65,
    ),
    {
      scenario: "websocket-idle",
      metric: "idleCpuPerSec",
      label: `server CPU while idle with ${wsLast} WebSocket connections`,
      unit: "ms/s",
      scale: 1 / 1000,
      digits: 2,
    },
    row(
      "websocket-idle",
      "heartbeatCpuPerClient",
      `server CPU per idle WebSocket connection per ping interval (heartbeat, ${wsLast})`,
      micros(1),
    ),
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
    row("broadcast", "burstCpuPerDelivery", "server CPU per delivery (bursts)", micros(2), 0.5),
    row("broadcast", "tickCpuPerDelivery", "server CPU per delivery (1 emit/tick)", micros(2), 0.5),
    row(
      "broadcast",
      "lastClientMs",
      `one emit until the last of ${k(s.broadcastClients)} clients has it`,
      millis(1),
      0.7,
    ),
    row(
      "broadcast",
      "serverWrittenMs",
      `one emit until the server has written it to all ${k(s.broadcastClients)} clients`,
      millis(1),
    ),
    row("echo", "cpuPerRoundTrip", `${echo}: server CPU per round trip`, micros(1), 0.75),
    row("echo", "p50", `${echo}: latency p50`, millis(2)),
    row("echo", "p99", `${echo}: latency p99`, millis(2), 1.0),
    row("polling", "cpuPerRoundTrip", `${poll}: server CPU per round trip`, micros(0), 0.6),
    row("polling", "p99", `${poll}: latency p99`, millis(2)),
    row("polling", "rssPerClient", `RSS per idle polling client (${span(s.pollingLevels)})`, KILOBYTES, 0.6),
    row(
      "engine-websocket",
      "rssPerClient",
      `engine only: RSS per idle WebSocket session (${engine})`,
      KILOBYTES,
      0.5,
    ),
    row(
      "engine-websocket",
      "heapPerClient",
      `engine only: heap per idle WebSocket session (${engine})`,
      KILOBYTES,
    ),
    row(
      "engine-polling",
      "rssPerClient",
      `engine only: RSS per idle polling session (${engine})`,
      KILOBYTES,
      0.5,
    ),
    row(
      "engine-polling",
      "heapPerClient",
      `engine only: heap per idle polling session (${engine})`,
      KILOBYTES,
    ),
  ];
}
