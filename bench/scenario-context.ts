/**
 * What a scenario gets to work with: start a target server of the implementation under test, start load
 * generators on fresh loopback source addresses, connect N clients spread over them, read the server's
 * own measurements. Everything a scenario starts is stopped when it ends (by PID), whatever happens.
 */
import type { BenchOptions } from "./bench-options.js";
import { ChildProcessHandle } from "./child-process-handle.js";
import type {
  GeneratorCommands,
  ImplName,
  ServerCommands,
  ServerLevel,
  ServerStats,
  TransportName,
} from "./control-messages.js";
import { ENGINE_PATH, SOCKET_PATH } from "./target-implementations.js";

const HERE = new URL(".", import.meta.url).pathname;

export type ServerHandle = ChildProcessHandle<ServerCommands>;
export type GeneratorHandle = ChildProcessHandle<GeneratorCommands>;

/** A point of a memory-versus-connections curve (bytes). */
export interface MemoryPoint {
  readonly clients: number;
  readonly rss: number;
  readonly heapUsed: number;
}

export interface ScenarioResult {
  readonly metrics: Record<string, number>;
  readonly series?: Record<string, MemoryPoint[]>;
  /** `impl` package and version as the server reported it. */
  readonly detail?: string;
}

/**
 * Loopback source addresses: 127.0.0.0/8 all routes to `lo`, so each generator binds its own address and
 * gets a full ephemeral port range; a fresh address per generator also keeps TIME_WAIT sockets of an
 * earlier run from colliding with the next one. The second octet is random per orchestrator run.
 */
let addressCounter = 0;
const addressOctet = 10 + Math.floor(Math.random() * 200);
function nextLoopbackAddress(): string {
  const n = addressCounter++;
  return `127.${addressOctet}.${(n >> 8) & 255}.${1 + (n % 250)}`;
}

/** Groups of clients connected through one generator. */
interface GeneratorSlot {
  readonly handle: GeneratorHandle;
  readonly localAddress: string;
  clients: number;
}

export class ScenarioContext {
  readonly impl: ImplName;
  readonly options: BenchOptions;
  readonly log: (message: string) => void;
  private readonly handles: ChildProcessHandle<ServerCommands | GeneratorCommands>[] = [];
  private server: ServerHandle | undefined;
  private level: ServerLevel = "socket";
  private readonly slots: GeneratorSlot[] = [];

  constructor(impl: ImplName, options: BenchOptions, log: (message: string) => void) {
    this.impl = impl;
    this.options = options;
    this.log = log;
  }

  async startServer(level: ServerLevel): Promise<ServerHandle> {
    const server = await ChildProcessHandle.spawn<ServerCommands>({
      script: `${HERE}target-server.ts`,
      args: [
        "--impl",
        this.impl,
        "--level",
        level,
        "--ping-interval",
        String(this.options.pingInterval),
        "--ping-timeout",
        String(this.options.pingTimeout),
      ],
      nodeFlags: ["--expose-gc", ...this.options.serverNodeFlags],
      label: `${this.impl} ${level} server`,
    });
    this.handles.push(server);
    this.server = server;
    this.level = level;
    return server;
  }

  /** Starts enough generators for `maxClients` (at most `clientsPerGenerator` each). */
  async startGenerators(maxClients: number): Promise<void> {
    const count = Math.max(1, Math.ceil(maxClients / this.options.sizes.clientsPerGenerator));
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        ChildProcessHandle.spawn<GeneratorCommands>({
          script: `${HERE}load-generator.ts`,
          args: [],
          label: `load generator ${i + 1}`,
        }),
      ),
    );
    // Keep every process that did start, so that `close()` stops it even when another one failed.
    for (const outcome of started) {
      if (outcome.status !== "fulfilled") continue;
      this.handles.push(outcome.value);
      this.slots.push({ handle: outcome.value, localAddress: nextLoopbackAddress(), clients: 0 });
    }
    const failure = started.find((o) => o.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  get generators(): readonly GeneratorHandle[] {
    return this.slots.map((s) => s.handle);
  }

  get clients(): number {
    return this.slots.reduce((sum, s) => sum + s.clients, 0);
  }

  /**
   * Brings the number of connected clients up to `total`, spread evenly over the generators, and waits
   * until the server counts exactly that many. Returns the server's CPU time spent meanwhile (µs).
   */
  async connectTo(
    total: number,
    transport: TransportName,
  ): Promise<{ cpuMicros: number; elapsedMs: number }> {
    const server = this.requireServer();
    const before = await server.request("stats", { gc: false }, 10_000);
    const share = Math.ceil(total / this.slots.length);
    let remaining = total;
    const jobs: Promise<void>[] = [];
    for (const slot of this.slots) {
      const want = Math.min(share, remaining);
      remaining -= want;
      const add = want - slot.clients;
      if (add <= 0) continue;
      jobs.push(
        slot.handle
          .request(
            "connect",
            {
              host: "127.0.0.1",
              port: server.ready.port,
              path: this.level === "socket" ? SOCKET_PATH : ENGINE_PATH,
              transport,
              level: this.level,
              count: add,
              localAddress: slot.localAddress,
              concurrency: this.options.sizes.connectConcurrency,
            },
            // Generous: a loaded 2-core machine connects a few hundred clients per second at worst.
            30_000 + add * 20,
          )
          .then((result) => {
            slot.clients += result.connected;
            if (result.failed > 0) {
              throw new Error(`${result.failed} of ${add} clients failed to connect: ${result.firstError}`);
            }
          }),
      );
    }
    await Promise.all(jobs);
    const after = await server
      .request("wait-clients", { count: this.clients }, 30_000)
      .catch(async (error) => {
        const now = await server.request("stats", { gc: false }, 10_000);
        throw new Error(
          `${error instanceof Error ? error.message : error}: server counts ${now.clients} of ${this.clients}`,
        );
      });
    return { cpuMicros: after.cpuMicros - before.cpuMicros, elapsedMs: after.at - before.at };
  }

  /**
   * Memory after `settleMs` and two full collections, and the server's CPU use while it sat idle during
   * the settle time (heartbeats, timers: µs of CPU per second).
   */
  async memory(): Promise<ServerStats & { readonly idleCpuPerSec: number }> {
    const server = this.requireServer();
    const before = await server.request("stats", { gc: false }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, this.options.sizes.settleMs));
    const after = await server.request("stats", { gc: false }, 10_000);
    const stats = await server.request("stats", { gc: true }, 30_000);
    const idleCpuPerSec = ((after.cpuMicros - before.cpuMicros) / (after.at - before.at)) * 1000;
    return { ...stats, idleCpuPerSec };
  }

  requireServer(): ServerHandle {
    if (this.server === undefined) throw new Error("no server started");
    return this.server;
  }

  /** Stops every process this scenario started: generators first, then the server. */
  async close(): Promise<void> {
    const all = this.handles.splice(0);
    const isServer = (h: (typeof all)[number]) => (h as unknown) === this.server;
    await Promise.all(all.filter((h) => !isServer(h)).map((h) => h.stop()));
    await Promise.all(all.filter(isServer).map((h) => h.stop()));
    this.slots.length = 0;
    this.server = undefined;
  }
}
