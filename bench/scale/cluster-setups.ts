/**
 * How each side of `npm run bench:scale` spreads one port over `node:cluster` workers, as its own docs say:
 *
 * - socket.io 4.8 (https://socket.io/docs/v4/cluster-adapter/): the primary listens and hands every
 *   connection to a worker with `@socket.io/sticky` (`setupMaster`, least-connection), workers are joined by
 *   `@socket.io/cluster-adapter` (`setupPrimary()` in the primary, `createAdapter()` in workers) over
 *   `serialization: "advanced"` IPC, and never listen themselves.
 * - Plexus: every worker listens on the same port and node:cluster deals connections round-robin, no sticky
 *   module; workers are joined by `@plexus/cluster-adapter` (same two entry points, the same `advanced`
 *   IPC serialization), or by
 *   `@plexus/redis-adapter` and a `redis-server` the orchestrator starts (`--plexus-adapter redis`).
 *
 * The primary side runs before any worker is forked and says what the workers need (through env vars).
 * Every package is imported dynamically, so that neither side's processes load the other's code.
 */
import cluster from "node:cluster";
import { createServer, type Server as HttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { BenchSocketServer } from "../target-implementations.js";
import type { PlexusAdapterName, ScaleImpl } from "./scale-messages.js";

export interface WorkerServerOptions {
  readonly pingInterval: number;
  readonly pingTimeout: number;
}

/** What the primary set up: the port clients connect to, and what to stop when the cluster ends. */
export interface PrimarySetup {
  readonly port: number;
  /** Environment of every worker. */
  readonly workerEnv: Record<string, string>;
  readonly detail: string;
  stop(): void;
}

const HOST = "127.0.0.1";
/** A deep accept queue (capped by net.core.somaxconn): bursts of handshakes must not drop SYNs. */
const BACKLOG = 4096;
const ENV_PORT = "SCALE_PORT";
const ENV_REDIS = "SCALE_REDIS_URL";

function listen(http: HttpServer | ReturnType<typeof createNetServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen({ port, host: HOST, backlog: BACKLOG }, () => {
      const address = http.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  const port = await listen(probe, 0);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Where this process loads workspace packages from (the `source` export condition, or their dist/). */
function loadedFrom(): string {
  return process.execArgv.includes("--conditions=source") ? "TypeScript sources" : "dist/";
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`worker started without ${name}`);
  return value;
}

/** Primary side: runs once, before the workers are forked. */
export async function setupClusterPrimary(
  impl: ScaleImpl,
  adapter: PlexusAdapterName,
  redisUrl: string | undefined,
): Promise<PrimarySetup> {
  if (impl === "socket.io") {
    const { setupMaster } = await import("@socket.io/sticky");
    const { setupPrimary } = await import("@socket.io/cluster-adapter");
    const http = createServer();
    setupMaster(http, { loadBalancingMethod: "least-connection" });
    setupPrimary();
    cluster.setupPrimary({ serialization: "advanced" });
    const port = await listen(http, 0);
    return {
      port,
      workerEnv: {},
      detail: "socket.io + @socket.io/sticky + @socket.io/cluster-adapter",
      stop: () => http.close(),
    };
  }
  const port = await freePort();
  if (adapter === "cluster") {
    const { setupPrimary } = await import("@plexus/cluster-adapter");
    setupPrimary();
    // The same IPC serialization as socket.io's recipe (its README: bytes instead of base64, cheaper).
    cluster.setupPrimary({ serialization: "advanced" });
    return {
      port,
      workerEnv: { [ENV_PORT]: String(port) },
      detail: `@plexus/server + @plexus/cluster-adapter (${loadedFrom()})`,
      stop: () => {},
    };
  }
  if (redisUrl === undefined) throw new Error("--plexus-adapter redis needs --redis-url");
  return {
    port,
    workerEnv: { [ENV_PORT]: String(port), [ENV_REDIS]: redisUrl },
    detail: `@plexus/server + @plexus/redis-adapter, own redis-server (${loadedFrom()})`,
    stop: () => {},
  };
}

/** Worker side: the Socket.IO server of one worker, serving connections when this resolves. */
export async function setupClusterWorker(
  impl: ScaleImpl,
  adapter: PlexusAdapterName,
  options: WorkerServerOptions,
): Promise<BenchSocketServer> {
  const http = createServer();
  if (impl === "socket.io") {
    const { Server } = await import("socket.io");
    const { setupWorker } = await import("@socket.io/sticky");
    const { createAdapter } = await import("@socket.io/cluster-adapter");
    const io = new Server(http, { ...options });
    io.adapter(createAdapter());
    setupWorker(io);
    return io as unknown as BenchSocketServer;
  }
  const { Server } = await import("@plexus/server");
  const port = Number(requireEnv(ENV_PORT));
  let io: BenchSocketServer;
  if (adapter === "cluster") {
    const { createAdapter } = await import("@plexus/cluster-adapter");
    io = new Server(http, { ...options, adapter: createAdapter() }) as unknown as BenchSocketServer;
  } else {
    const { createClient } = await import("redis");
    const { createAdapter } = await import("@plexus/redis-adapter");
    const pub = createClient({ url: requireEnv(ENV_REDIS) });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io = new Server(http, { ...options, adapter: createAdapter(pub, sub) }) as unknown as BenchSocketServer;
  }
  await listen(http, port);
  return io;
}
