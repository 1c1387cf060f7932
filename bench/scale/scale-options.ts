/**
 * Command line of `npm run bench:scale` (bench/scale/scale.ts): how many connections, how many server
 * workers, the ramp's limits. Defaults are the full benchmark of issue 13 (100,000 connections, then a
 * ramp to 20 GiB): for a quiet machine only. On a shared machine: `--connections 20000 --no-ramp`.
 */
import { parseArgs } from "node:util";
import { type PlexusAdapterName, SCALE_IMPLS, type ScaleImpl } from "./scale-messages.js";

/** Most sockets per server process: the open-file limit (20,000) less room for pipes, IPC and listeners. */
export const MAX_SOCKETS_PER_WORKER = 19_500;

export interface ScaleOptions {
  readonly impls: readonly ScaleImpl[];
  /** Concurrent WebSocket connections of the main measurement. */
  readonly connections: number;
  /** Server workers of the main measurement (same for both sides). */
  readonly workers: number;
  /** Steps the connections are opened in (memory is read after each; the plot's points without a ramp). */
  readonly steps: number;
  readonly emitSamples: number;
  readonly payloadBytes: number;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  /** Whether to hold the clients idle for one whole ping interval and read the heartbeat CPU. */
  readonly heartbeat: boolean;
  readonly ramp: boolean;
  /** Total server RSS (bytes) at which the ramp stops. */
  readonly rampCapBytes: number;
  readonly rampStep: number;
  /** Connections the ramp never goes past (its workers are sized for this). */
  readonly rampMax: number;
  readonly rampWorkers: number;
  /** The ramp also stops when the machine's MemAvailable falls below this (bytes): keeps the box alive. */
  readonly reserveBytes: number;
  readonly clientsPerGenerator: number;
  /** Connections per loopback source address. */
  readonly perAddress: number;
  /** Handshakes in flight per load generator. */
  readonly concurrency: number;
  readonly plexusAdapter: PlexusAdapterName;
  /**
   * `dist`: the server processes load Plexus from its build (`packages/<name>/dist`, built first if stale), as
   * socket.io loads its published JavaScript; `source`: from the TypeScript sources through tsx.
   */
  readonly plexusFrom: "dist" | "source";
  readonly settleMs: number;
  /** The whole run is killed after this (ms). */
  readonly deadlineMs: number;
  readonly outDir: string;
}

const USAGE = `npm run bench:scale -- [options]
  --connections N        concurrent WebSocket connections measured (default 100000)
  --workers N            server workers (default: connections / ${MAX_SOCKETS_PER_WORKER}, rounded up)
  --steps N              open the connections in N steps, memory read after each (default 4)
  --emit-samples N       single emits to all clients, median reported (default 5)
  --ping-interval MS     server pingInterval (default 25000); --ping-timeout MS (default 20000)
  --no-heartbeat         skip the idle window of one ping interval
  --no-ramp              skip the ramp
  --ramp-cap GIB         ramp stops at this total server RSS (default 20)
  --ramp-step N          connections added per ramp step (default 25000)
  --ramp-max N           ramp never goes past N connections (default 500000)
  --ramp-workers N       server workers during the ramp (default: ramp-max / ${MAX_SOCKETS_PER_WORKER}, rounded up)
  --reserve GIB          ramp stops when the machine's available memory falls below this (default 1.5)
  --clients-per-generator N  (default 15000; open-file limit 20000)
  --per-address N        connections per loopback source address (default 500)
  --concurrency N        handshakes in flight per load generator (default 64)
  --impl NAME            socket.io or plexus, repeatable (default both, socket.io first)
  --plexus-adapter NAME  cluster (@plexus/cluster-adapter, default) or redis (@plexus/redis-adapter)
  --plexus-from WHERE    dist (default: the build, made first when stale) or source (TypeScript through tsx)
  --deadline MIN         hard stop for the whole run (default 120)
  --out DIR              results folder (default bench/results)`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} must be a positive number (got ${value})\n${USAGE}`);
  return n;
}

function integer(name: string, value: string | undefined, fallback: number): number {
  const n = positive(name, value, fallback);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer (got ${value})\n${USAGE}`);
  return n;
}

export function workersFor(connections: number): number {
  return Math.max(1, Math.ceil(connections / MAX_SOCKETS_PER_WORKER));
}

export function parseScaleOptions(argv: readonly string[]): ScaleOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: "boolean" },
      connections: { type: "string" },
      workers: { type: "string" },
      steps: { type: "string" },
      "emit-samples": { type: "string" },
      "ping-interval": { type: "string" },
      "ping-timeout": { type: "string" },
      "no-heartbeat": { type: "boolean" },
      "no-ramp": { type: "boolean" },
      "ramp-cap": { type: "string" },
      "ramp-step": { type: "string" },
      "ramp-max": { type: "string" },
      "ramp-workers": { type: "string" },
      reserve: { type: "string" },
      "clients-per-generator": { type: "string" },
      "per-address": { type: "string" },
      concurrency: { type: "string" },
      impl: { type: "string", multiple: true },
      "plexus-adapter": { type: "string" },
      "plexus-from": { type: "string" },
      deadline: { type: "string" },
      out: { type: "string" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const impls = (values.impl ?? [...SCALE_IMPLS]) as ScaleImpl[];
  for (const impl of impls) {
    if (!SCALE_IMPLS.includes(impl))
      throw new Error(`--impl must be one of ${SCALE_IMPLS.join(", ")}\n${USAGE}`);
  }
  const plexusAdapter = (values["plexus-adapter"] ?? "cluster") as PlexusAdapterName;
  if (plexusAdapter !== "cluster" && plexusAdapter !== "redis")
    throw new Error(`--plexus-adapter must be cluster or redis\n${USAGE}`);
  const plexusFrom = values["plexus-from"] ?? "dist";
  if (plexusFrom !== "dist" && plexusFrom !== "source")
    throw new Error(`--plexus-from must be dist or source\n${USAGE}`);
  const connections = integer("connections", values.connections, 100_000);
  const workers = integer("workers", values.workers, workersFor(connections));
  const rampMax = integer("ramp-max", values["ramp-max"], 500_000);
  const rampWorkers = integer("ramp-workers", values["ramp-workers"], workersFor(rampMax));
  if (connections / workers > MAX_SOCKETS_PER_WORKER || rampMax / rampWorkers > MAX_SOCKETS_PER_WORKER)
    throw new Error(`more than ${MAX_SOCKETS_PER_WORKER} connections per worker: add workers\n${USAGE}`);
  const clientsPerGenerator = integer("clients-per-generator", values["clients-per-generator"], 15_000);
  if (clientsPerGenerator > MAX_SOCKETS_PER_WORKER)
    throw new Error(`--clients-per-generator above ${MAX_SOCKETS_PER_WORKER} hits the open-file limit`);
  const gib = 2 ** 30;
  return {
    impls,
    connections,
    workers,
    steps: integer("steps", values.steps, 4),
    emitSamples: integer("emit-samples", values["emit-samples"], 5),
    payloadBytes: 64,
    pingInterval: integer("ping-interval", values["ping-interval"], 25_000),
    pingTimeout: integer("ping-timeout", values["ping-timeout"], 20_000),
    heartbeat: values["no-heartbeat"] !== true,
    ramp: values["no-ramp"] !== true,
    rampCapBytes: positive("ramp-cap", values["ramp-cap"], 20) * gib,
    rampStep: integer("ramp-step", values["ramp-step"], 25_000),
    rampMax,
    rampWorkers,
    reserveBytes: positive("reserve", values.reserve, 1.5) * gib,
    clientsPerGenerator,
    perAddress: integer("per-address", values["per-address"], 500),
    concurrency: integer("concurrency", values.concurrency, 64),
    plexusAdapter,
    plexusFrom,
    settleMs: 2000,
    deadlineMs: positive("deadline", values.deadline, 120) * 60_000,
    outDir: values.out ?? new URL("../results", import.meta.url).pathname,
  };
}
