/**
 * Everything one side of `npm run bench:scale` runs: its cluster (`cluster-server.ts`) and the load
 * generators (`scale-generator.ts`) that connect to it, spread thinly over loopback source addresses.
 * Every process is stopped by PID when the fleet closes, whatever happened.
 */

import { readFileSync } from "node:fs";
import { freemem } from "node:os";
import { ChildProcessHandle } from "../child-process-handle.js";
import type { ClusterCommands, ClusterReading, ScaleGeneratorCommands, ScaleImpl } from "./scale-messages.js";
import type { ScaleOptions } from "./scale-options.js";

const HERE = new URL(".", import.meta.url).pathname;
const HOST = "127.0.0.1";

/**
 * Loopback source addresses: all of 127.0.0.0/8 routes to `lo`. A fresh address every `perAddress`
 * connections keeps each address's ephemeral ports sparse (bind-before-connect searches the range) and
 * keeps TIME_WAIT sockets of one run away from the next. The second octet is random per run.
 */
let addressCounter = 0;
const addressOctet = 10 + Math.floor(Math.random() * 200);
function nextLoopbackAddress(): string {
  const n = addressCounter++;
  return `127.${addressOctet}.${(n >> 8) & 255}.${1 + (n % 250)}`;
}

/** The machine's available memory (MemAvailable), bytes; falls back to free memory off Linux. */
export function availableMemory(): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (match !== null) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

export interface ConnectOutcome {
  readonly elapsedMs: number;
  /** Server CPU (all processes) spent meanwhile, µs. */
  readonly cpuMicros: number;
  readonly failed: number;
  readonly retried: number;
  readonly firstRetryError?: string;
  readonly firstError?: string;
}

export interface EmitOutcome {
  /** From just before `io.emit` until the last client had it, ms. */
  readonly toLastMs: number;
  /** Server CPU (all processes) from before the emit until every client had it, µs. */
  readonly cpuMicros: number;
  readonly complete: number;
}

interface GeneratorSlot {
  readonly handle: ChildProcessHandle<ScaleGeneratorCommands>;
  clients: number;
}

export class ScaleFleet {
  readonly impl: ScaleImpl;
  private readonly options: ScaleOptions;
  private cluster: ChildProcessHandle<ClusterCommands> | undefined;
  private readonly generators: GeneratorSlot[] = [];
  private seq = 0;

  private readonly redisUrl: string | undefined;

  /** `redisUrl`: the Redis that joins Plexus workers with `--plexus-adapter redis`. */
  constructor(impl: ScaleImpl, options: ScaleOptions, redisUrl: string | undefined) {
    this.impl = impl;
    this.options = options;
    this.redisUrl = redisUrl;
  }

  get clients(): number {
    return this.generators.reduce((sum, g) => sum + g.clients, 0);
  }

  get detail(): string {
    return this.cluster?.ready.detail ?? this.impl;
  }

  async startCluster(workers: number): Promise<void> {
    this.cluster = await ChildProcessHandle.spawn<ClusterCommands>({
      script: `${HERE}cluster-server.ts`,
      args: [
        "--impl",
        this.impl,
        "--workers",
        String(workers),
        "--plexus-adapter",
        this.options.plexusAdapter,
        "--ping-interval",
        String(this.options.pingInterval),
        "--ping-timeout",
        String(this.options.pingTimeout),
        ...(this.redisUrl === undefined ? [] : ["--redis-url", this.redisUrl]),
      ],
      nodeFlags: ["--expose-gc"],
      // Workers inherit the primary's flags: without the source condition they load Plexus's dist/.
      sourceCondition: this.options.plexusFrom === "source",
      label: `${this.impl} cluster`,
      readyTimeoutMs: 240_000,
    });
  }

  private requireCluster(): ChildProcessHandle<ClusterCommands> {
    if (this.cluster === undefined) throw new Error("no cluster started");
    return this.cluster;
  }

  stats(gc: boolean): Promise<ClusterReading> {
    return this.requireCluster().request("stats", { gc }, 180_000);
  }

  /** Starts generators until they can hold `total` clients (all of them up front: an even spread). */
  async ensureGenerators(total: number): Promise<void> {
    const need = Math.ceil(total / this.options.clientsPerGenerator) - this.generators.length;
    if (need <= 0) return;
    const started = await Promise.allSettled(
      Array.from({ length: need }, (_, i) =>
        ChildProcessHandle.spawn<ScaleGeneratorCommands>({
          script: `${HERE}scale-generator.ts`,
          args: [],
          label: `${this.impl} load generator ${this.generators.length + i + 1}`,
          // Dozens start at once on two cores, each compiling its TypeScript through tsx.
          readyTimeoutMs: 180_000,
        }),
      ),
    );
    for (const outcome of started) {
      if (outcome.status === "fulfilled") this.generators.push({ handle: outcome.value, clients: 0 });
    }
    const failure = started.find((o) => o.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  /** How many clients each generator adds so that `count` more are spread evenly over their free room. */
  private spread(count: number): number[] {
    const adds = this.generators.map(() => 0);
    let remaining = count;
    while (remaining > 0) {
      const open = this.generators.flatMap((g, i) =>
        g.clients + adds[i]! < this.options.clientsPerGenerator ? [i] : [],
      );
      if (open.length === 0) throw new Error(`no generator room for ${remaining} more clients`);
      const share = Math.ceil(remaining / open.length);
      for (const i of open) {
        const add = Math.min(
          share,
          remaining,
          this.options.clientsPerGenerator - this.generators[i]!.clients - adds[i]!,
        );
        adds[i]! += add;
        remaining -= add;
      }
    }
    return adds;
  }

  /**
   * Brings the connected clients up to `total`, spread evenly over the generators, all generators at once.
   * The elapsed time ends when the last client has its Socket.IO CONNECT answer.
   */
  async connectTo(total: number): Promise<ConnectOutcome> {
    const cluster = this.requireCluster();
    await this.ensureGenerators(total);
    const before = await this.stats(false);
    const adds = this.spread(total - this.clients);
    let failed = 0;
    let retried = 0;
    let firstError: string | undefined;
    let firstRetryError: string | undefined;
    const started = performance.now();
    await Promise.all(
      this.generators.map(async (slot, i) => {
        const add = adds[i]!;
        if (add <= 0) return;
        const addresses = Array.from(
          { length: Math.ceil(add / this.options.perAddress) },
          nextLoopbackAddress,
        );
        const result = await slot.handle.request(
          "connect",
          {
            host: HOST,
            port: cluster.ready.port,
            count: add,
            localAddresses: addresses,
            perAddress: this.options.perAddress,
            concurrency: this.options.concurrency,
          },
          // Generous: a loaded 2-core machine connects a few hundred clients per second at worst.
          120_000 + add * 20,
        );
        slot.clients += result.connected;
        failed += result.failed;
        retried += result.retried;
        firstRetryError ??= result.firstRetryError;
        firstError ??= result.firstError;
      }),
    );
    const elapsedMs = performance.now() - started;
    const after = await this.stats(false);
    const outcome = {
      elapsedMs,
      cpuMicros: after.cpuMicros - before.cpuMicros,
      failed,
      retried,
      ...(firstRetryError === undefined ? {} : { firstRetryError }),
    };
    return firstError === undefined ? outcome : { ...outcome, firstError };
  }

  /** Connections closed after they were established, summed over the generators since they started. */
  async unexpectedCloses(): Promise<number> {
    const readings = await Promise.all(this.generators.map((g) => g.handle.request("stats", {}, 30_000)));
    return readings.reduce((sum, r) => sum + r.closed, 0);
  }

  /** Total RSS of the load generators (bytes): the client side of the machine's memory. */
  async generatorRss(): Promise<number> {
    const readings = await Promise.all(this.generators.map((g) => g.handle.request("stats", {}, 30_000)));
    return readings.reduce((sum, r) => sum + r.rss, 0);
  }

  /** One `io.emit` on one worker, timed until the last client of every generator has it. */
  async emitToAll(payload: string, timeoutMs: number): Promise<EmitOutcome> {
    const cluster = this.requireCluster();
    await Promise.all(this.generators.map((g) => g.handle.request("arm-broadcast", { expected: 1 }, 30_000)));
    const before = await this.stats(false);
    const start = await cluster.request("emit", { seq: this.seq++, payload }, 30_000);
    const receipts = await Promise.all(
      this.generators.map((g) => g.handle.request("wait-broadcast", { timeoutMs }, timeoutMs + 30_000)),
    );
    const after = await this.stats(false);
    const complete = receipts.reduce((sum, r) => sum + r.complete, 0);
    const lastAt = Math.max(...receipts.map((r) => r.lastAt));
    const toLastMs = complete === this.clients ? lastAt - start.startedAt : Number.NaN;
    // `after` also counts the stats round trip itself; it is the same small amount for both sides.
    return { toLastMs, cpuMicros: after.cpuMicros - before.cpuMicros, complete };
  }

  /** Stops the generators, then the cluster (each by PID if it does not exit by itself). */
  async close(): Promise<void> {
    const generators = this.generators.splice(0);
    await Promise.all(generators.map((g) => g.handle.stop(10_000)));
    const cluster = this.cluster;
    this.cluster = undefined;
    await cluster?.stop(10_000);
  }
}
