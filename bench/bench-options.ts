/**
 * Command line and sizes of a benchmark run. `--quick` is a smoke test (small counts, one run, well under
 * two minutes); the default is the full run (medians of 3, 1k/5k/10k/19k connections, about 20 minutes).
 */
import { parseArgs } from "node:util";
import { IMPL_NAMES, type ImplName } from "./control-messages.js";

export interface BenchSizes {
  /** Idle WebSocket connections (Socket.IO level) measured one after another in one server process. */
  readonly wsLevels: readonly number[];
  /** Idle long-polling clients (Socket.IO level). */
  readonly pollingLevels: readonly number[];
  /** Idle engine sessions (bare engine), WebSocket and polling alike (issue 3: 10,000). */
  readonly engineLevels: readonly number[];
  readonly broadcastClients: number;
  /** Emits per broadcast measurement (each reaches every client). */
  readonly broadcastEmits: number;
  /** Emits per event-loop turn in the "burst" measurement. */
  readonly burstPerTick: number;
  /** Measurements per broadcast phase within one run (their median is the run's value). */
  readonly broadcastRepeats: number;
  /** Single emits whose time to the last client is measured (median taken). */
  readonly latencySamples: number;
  readonly broadcastPayload: number;
  readonly echoClients: number;
  readonly echoRate: number;
  readonly echoSeconds: number;
  readonly pollingEchoClients: number;
  readonly pollingEchoRate: number;
  readonly echoPayload: number;
  /** Clients per load-generator process (each binds its own loopback source address). */
  readonly clientsPerGenerator: number;
  /** Handshakes in flight per load generator. */
  readonly connectConcurrency: number;
  /** Pause after connecting, before gc() and the memory reading. */
  readonly settleMs: number;
  /**
   * Whether to hold the largest idle WebSocket level for one whole ping interval and measure the server's
   * CPU over it: every client gets one ping in any such window, so this is the heartbeat cost.
   */
  readonly heartbeatWindow: boolean;
}

export const FULL_SIZES: BenchSizes = {
  wsLevels: [1000, 5000, 10000, 19000],
  pollingLevels: [1000, 5000, 10000],
  engineLevels: [1000, 10000],
  broadcastClients: 10000,
  broadcastEmits: 50,
  burstPerTick: 10,
  // 500k deliveries per measurement are long enough to be stable; the 3 runs give the median.
  broadcastRepeats: 1,
  latencySamples: 5,
  broadcastPayload: 64,
  echoClients: 1000,
  echoRate: 5000,
  echoSeconds: 10,
  pollingEchoClients: 1000,
  pollingEchoRate: 1000,
  echoPayload: 32,
  clientsPerGenerator: 5000,
  connectConcurrency: 50,
  settleMs: 2000,
  heartbeatWindow: true,
};

export const QUICK_SIZES: BenchSizes = {
  ...FULL_SIZES,
  wsLevels: [250, 1000],
  pollingLevels: [100, 400],
  engineLevels: [250, 1000],
  broadcastClients: 1000,
  // 50k deliveries take a fraction of a second: repeat and take the median.
  broadcastRepeats: 3,
  latencySamples: 3,
  echoClients: 200,
  echoRate: 1000,
  echoSeconds: 2,
  pollingEchoClients: 100,
  pollingEchoRate: 200,
  settleMs: 300,
  heartbeatWindow: false,
};

export const SCENARIO_NAMES = [
  "websocket-idle",
  "broadcast",
  "echo",
  "polling",
  "engine-websocket",
  "engine-polling",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchOptions {
  readonly quick: boolean;
  /** Implementations in run order; the ratio column is the last one over the first. */
  readonly impls: readonly ImplName[];
  readonly runs: number;
  readonly scenarios: readonly ScenarioName[];
  readonly sizes: BenchSizes;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  /** Extra Node flags for the target servers (e.g. `--cpu-prof`). */
  readonly serverNodeFlags: readonly string[];
  readonly outDir: string;
}

export const USAGE = `usage: npm run bench -- [options]
  --quick                 small counts, 1 run (smoke test, < 2 min)
  --impl NAME             implementation to run (repeat; default: --impl socket.io --impl plexus)
                          NAME is socket.io, plexus or ws; the ratio column is the last over the first
                          ws = bare-ws-server.ts, the floor: a bare \`ws\` server speaking only the wire
                          strings the bench clients use (WebSocket scenarios only; e.g. --impl socket.io
                          --impl ws --impl plexus adds a "plexus / ws" column)
  --runs N                runs per implementation, interleaved A,B,A,B… (default 3, quick 1)
  --only a,b              scenarios: ${SCENARIO_NAMES.join(", ")}
  --ws-levels 1000,5000   idle WebSocket connection counts      --polling-levels 1000,5000
  --engine-levels 1000,10000                                     --broadcast-clients 10000
  --echo-clients 1000  --echo-rate 5000  --echo-seconds 10     --polling-rate 1000
  --ping-interval 25000  --ping-timeout 20000                   (server options, same for both)
  --heartbeat on|off      hold the idle WebSocket clients one ping interval to measure heartbeat CPU
                          (default: on for full runs, off for --quick)
  --server-flags="--cpu-prof --cpu-prof-dir=bench/results/profiles"   (note the "=")
  --out DIR               results directory (default bench/results)`;

function numbers(text: string | undefined, fallback: readonly number[]): readonly number[] {
  if (text === undefined) return fallback;
  const list = text.split(",").map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`bad count list: ${text}`);
  return list;
}

function number(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`bad number: ${text}`);
  return n;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      impl: { type: "string", multiple: true },
      impls: { type: "string" },
      runs: { type: "string" },
      only: { type: "string" },
      "ws-levels": { type: "string" },
      "polling-levels": { type: "string" },
      "engine-levels": { type: "string" },
      "broadcast-clients": { type: "string" },
      "echo-clients": { type: "string" },
      "echo-rate": { type: "string" },
      "echo-seconds": { type: "string" },
      "polling-rate": { type: "string" },
      "ping-interval": { type: "string" },
      "ping-timeout": { type: "string" },
      "server-flags": { type: "string" },
      heartbeat: { type: "string" },
      out: { type: "string" },
    },
  });
  if (values.help) return "help";
  const base = values.quick ? QUICK_SIZES : FULL_SIZES;
  const implList = values.impl ?? values.impls?.split(",") ?? ["socket.io", "plexus"];
  for (const name of implList) {
    if (!IMPL_NAMES.includes(name as ImplName)) throw new Error(`unknown implementation ${name}`);
  }
  const scenarios = (values.only?.split(",") ?? [...SCENARIO_NAMES]).map((s) => s.trim());
  for (const s of scenarios) {
    if (!SCENARIO_NAMES.includes(s as ScenarioName)) throw new Error(`unknown scenario ${s}`);
  }
  const sizes: BenchSizes = {
    ...base,
    wsLevels: numbers(values["ws-levels"], base.wsLevels),
    pollingLevels: numbers(values["polling-levels"], base.pollingLevels),
    engineLevels: numbers(values["engine-levels"], base.engineLevels),
    broadcastClients: number(values["broadcast-clients"], base.broadcastClients),
    echoClients: number(values["echo-clients"], base.echoClients),
    echoRate: number(values["echo-rate"], base.echoRate),
    echoSeconds: number(values["echo-seconds"], base.echoSeconds),
    pollingEchoRate: number(values["polling-rate"], base.pollingEchoRate),
    heartbeatWindow: values.heartbeat === undefined ? base.heartbeatWindow : values.heartbeat === "on",
  };
  return {
    quick: values.quick ?? false,
    impls: implList as ImplName[],
    runs: number(values.runs, values.quick ? 1 : 3),
    scenarios: scenarios as ScenarioName[],
    sizes,
    pingInterval: number(values["ping-interval"], 25000),
    pingTimeout: number(values["ping-timeout"], 20000),
    serverNodeFlags: values["server-flags"]?.split(" ").filter((s) => s.length > 0) ?? [],
    outDir: values.out ?? new URL("results/", import.meta.url).pathname,
  };
}
