/**
 * One side of `npm run bench:scale`: a `node:cluster` primary and its workers, serving one port on
 * loopback (see `cluster-setups.ts` for how each implementation does it). The same script is the primary
 * (started by `scale.ts`, answering its IPC commands) and every worker (forked by the primary).
 *
 *   bench/scale/cluster-server.ts --impl socket.io|plexus --workers N [--plexus-adapter cluster|redis]
 *        [--redis-url redis://…] [--ping-interval 25000] [--ping-timeout 20000]
 *
 * The application is the one of `bench/target-server.ts`: count connections, `io.emit("b", seq, payload)`
 * when asked. Readings are each process's own `process.memoryUsage()` / `process.cpuUsage()`, after two
 * full `gc()` calls when asked. Workers exit with their primary; the primary with its orchestrator.
 */
import cluster, { type Worker } from "node:cluster";
import { setImmediate as nextTurn } from "node:timers/promises";
import { parseArgs } from "node:util";
import { serveCommands } from "../child-endpoint.js";
import { wallNow } from "../control-messages.js";
import { type PrimarySetup, setupClusterPrimary, setupClusterWorker } from "./cluster-setups.js";
import {
  type ClusterCommands,
  type ClusterReading,
  type EmitStart,
  type PlexusAdapterName,
  type ProcessReading,
  SCALE_IMPLS,
  type ScaleImpl,
  type WorkerReply,
  type WorkerRequest,
} from "./scale-messages.js";

const { values } = parseArgs({
  options: {
    impl: { type: "string", default: "plexus" },
    workers: { type: "string", default: "2" },
    "plexus-adapter": { type: "string", default: "cluster" },
    "ping-interval": { type: "string", default: "25000" },
    "ping-timeout": { type: "string", default: "20000" },
    "redis-url": { type: "string" },
  },
});
const impl = values.impl as ScaleImpl;
if (!SCALE_IMPLS.includes(impl)) throw new Error(`--impl must be one of ${SCALE_IMPLS.join(", ")}`);
const adapter = values["plexus-adapter"] as PlexusAdapterName;
if (adapter !== "cluster" && adapter !== "redis")
  throw new Error("--plexus-adapter must be cluster or redis");
const workerCount = Number(values.workers);
if (!Number.isInteger(workerCount) || workerCount < 1)
  throw new Error("--workers must be a positive integer");
const WORKER_REPLY_TIMEOUT_MS = 120_000;
const WORKERS_READY_TIMEOUT_MS = 180_000;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function ownReading(
  role: ProcessReading["role"],
  gc: boolean,
  clients: number,
): Promise<ProcessReading> {
  if (gc) {
    const collect = globalThis.gc;
    if (collect === undefined)
      throw new Error("gc requested but the cluster was not started with --expose-gc");
    // Two full collections a turn apart: the first may leave weak callbacks and finalizers for the second.
    collect();
    await nextTurn();
    collect();
  }
  const m = process.memoryUsage();
  return { pid: process.pid, role, rss: m.rss, heapUsed: m.heapUsed, cpuMicros: cpuMicros(), clients };
}

// ---------------------------------------------------------------------------------------------- worker

async function runWorker(): Promise<void> {
  let clients = 0;
  const onDisconnect = (): void => {
    clients--;
  };
  const onConnection = (...args: unknown[]): void => {
    clients++;
    (args[0] as { on(event: string, listener: () => void): unknown }).on("disconnect", onDisconnect);
  };
  const io = await setupClusterWorker(impl, adapter, {
    pingInterval: Number(values["ping-interval"]),
    pingTimeout: Number(values["ping-timeout"]),
  });
  io.on("connection", onConnection);
  const send = (reply: WorkerReply): void => {
    if (process.connected) process.send?.(reply);
  };
  process.on("message", (message: WorkerRequest) => {
    if (message === null || typeof message !== "object") return;
    if (message.type === "scale:stats") {
      ownReading("worker", message.gc, clients).then(
        (result) => send({ type: "scale:reply", id: message.id, ok: true, result }),
        (error: unknown) => send({ type: "scale:reply", id: message.id, ok: false, error: String(error) }),
      );
    } else if (message.type === "scale:emit") {
      const startedAt = wallNow();
      io.emit("b", message.seq, message.payload);
      const result: EmitStart = { startedAt, workerId: cluster.worker?.id ?? 0 };
      send({ type: "scale:reply", id: message.id, ok: true, result });
    }
  });
  // The primary is gone: nobody will measure or stop this worker any more.
  process.on("disconnect", () => process.exit(0));
  send({ type: "scale:ready", port: 0 });
}

// --------------------------------------------------------------------------------------------- primary

interface PendingReply {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const pending = new Map<number, PendingReply>();
let nextId = 1;

function askWorker<T>(worker: Worker, request: (id: number) => WorkerRequest): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`worker ${worker.id} did not answer within ${WORKER_REPLY_TIMEOUT_MS} ms`));
    }, WORKER_REPLY_TIMEOUT_MS);
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
    worker.send(request(id));
  });
}

function onWorkerMessage(_worker: Worker, message: WorkerReply): void {
  if (message === null || typeof message !== "object" || message.type !== "scale:reply") return;
  const p = pending.get(message.id);
  if (p === undefined) return;
  pending.delete(message.id);
  clearTimeout(p.timer);
  if (message.ok) p.resolve(message.result);
  else p.reject(new Error(message.error));
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
}

async function clusterStats(gc: boolean): Promise<ClusterReading> {
  const workers = await Promise.all(
    liveWorkers().map((w) => askWorker<ProcessReading>(w, (id) => ({ type: "scale:stats", id, gc }))),
  );
  const processes = [await ownReading("primary", gc, 0), ...workers];
  return {
    processes,
    rss: processes.reduce((sum, p) => sum + p.rss, 0),
    cpuMicros: processes.reduce((sum, p) => sum + p.cpuMicros, 0),
    clients: processes.reduce((sum, p) => sum + p.clients, 0),
    at: wallNow(),
  };
}

function emitOnce(seq: number, payload: string): Promise<EmitStart> {
  const workers = liveWorkers();
  // Always the same worker: its peers get the broadcast through the adapter, as in an application.
  const worker = workers[0];
  if (worker === undefined) return Promise.reject(new Error("no live worker"));
  return askWorker<EmitStart>(worker, (id) => ({ type: "scale:emit", id, seq, payload }));
}

async function runPrimary(): Promise<void> {
  let setup: PrimarySetup | undefined;
  let stopping = false;
  const stopAll = (code: number): void => {
    stopping = true;
    for (const w of liveWorkers()) {
      if (w.process.pid !== undefined) {
        try {
          process.kill(w.process.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    setup?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => stopAll(130));
  process.on("SIGTERM", () => stopAll(143));
  setup = await setupClusterPrimary(impl, adapter, values["redis-url"]);
  cluster.on("message", onWorkerMessage);
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    console.error(
      `${impl} worker ${worker.id} exited (code ${code}, signal ${signal}): stopping the cluster`,
    );
    stopAll(1);
  });
  const ready = new Promise<void>((resolve, reject) => {
    let count = 0;
    const timer = setTimeout(
      () => reject(new Error(`${workerCount - count} worker(s) not ready`)),
      WORKERS_READY_TIMEOUT_MS,
    );
    cluster.on("message", (_worker, message: WorkerReply) => {
      if (message?.type === "scale:ready" && ++count === workerCount) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (let i = 0; i < workerCount; i++) cluster.fork(setup.workerEnv);
  await ready.catch((error: unknown) => {
    console.error(`${impl} cluster: ${error instanceof Error ? error.message : error}`);
    stopAll(1);
  });
  serveCommands<ClusterCommands>(
    {
      stats: ({ gc }) => clusterStats(gc),
      emit: ({ seq, payload }) => emitOnce(seq, payload),
    },
    {
      type: "ready",
      port: setup.port,
      detail: `${setup.detail}, ${workerCount} workers (pid ${process.pid})`,
    },
    () => stopAll(0),
  );
}

if (cluster.isPrimary) await runPrimary();
else await runWorker();
