/**
 * One benchmark target: an HTTP server on loopback running ONE implementation, chosen by argument.
 *
 *   node --expose-gc --conditions=source --import tsx bench/target-server.ts --impl socket.io|plexus
 *        [--level socket|engine] [--port 0] [--ping-interval 25000] [--ping-timeout 20000]
 *
 * Started by `bench/run.ts`, it reports its own measurements over IPC (`process.memoryUsage()` after
 * `gc()`, `process.cpuUsage()`); started by hand (e.g. with `--cpu-prof`), it just listens and prints its port.
 * The application it runs is the same for both implementations: count connections, answer `echo` with an
 * ack, broadcast `b` when asked.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import {
  type BroadcastParams,
  type BroadcastStart,
  IMPL_NAMES,
  type ImplName,
  type ServerCommands,
  type ServerLevel,
  type ServerStats,
  wallNow,
} from "./control-messages.js";
import { collectGarbage, listenDeep, serveOrListen } from "./server-process.js";
import { type BenchEmitter, type BenchSocketServer, loadImplementation } from "./target-implementations.js";

const { values } = parseArgs({
  options: {
    impl: { type: "string", default: "socket.io" },
    level: { type: "string", default: "socket" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    "ping-interval": { type: "string", default: "25000" },
    "ping-timeout": { type: "string", default: "20000" },
  },
});
const impl = values.impl as ImplName;
if (!IMPL_NAMES.includes(impl)) throw new Error(`--impl must be one of ${IMPL_NAMES.join(", ")}`);
const level = values.level as ServerLevel;
if (level !== "socket" && level !== "engine") throw new Error("--level must be socket or engine");

let clients = 0;
const waiters: { count: number; resolve: () => void }[] = [];

function clientsChanged(): void {
  for (let i = waiters.length - 1; i >= 0; i--) {
    const w = waiters[i]!;
    if (w.count === clients) {
      waiters.splice(i, 1);
      w.resolve();
    }
  }
}

// Module-level listeners: the bench application itself adds no closure per connection.
function onDisconnect(): void {
  clients--;
  clientsChanged();
}

function onEcho(...args: unknown[]): void {
  const ack = args[args.length - 1];
  if (typeof ack === "function") ack(args[0]);
}

function onSocketConnection(...args: unknown[]): void {
  const socket = args[0] as BenchEmitter;
  clients++;
  socket.on("echo", onEcho);
  socket.on("disconnect", onDisconnect);
  clientsChanged();
}

function onEngineConnection(...args: unknown[]): void {
  const socket = args[0] as BenchEmitter;
  clients++;
  socket.on("close", onDisconnect);
  clientsChanged();
}

const http = createServer();
const loaded = await loadImplementation(impl, level);
const options = {
  pingInterval: Number(values["ping-interval"]),
  pingTimeout: Number(values["ping-timeout"]),
};
let io: BenchSocketServer | undefined;
if (level === "socket") {
  io = loaded.attachSocketServer!(http, options);
  io.on("connection", onSocketConnection);
} else {
  loaded.attachEngine!(http, options).on("connection", onEngineConnection);
}

const port = await listenDeep(http, Number(values.port), values.host);

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function stats(gc: boolean): Promise<ServerStats> {
  if (gc) await collectGarbage();
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    cpuMicros: cpuMicros(),
    clients,
    at: wallNow(),
  };
}

function broadcast(params: BroadcastParams): Promise<BroadcastStart> {
  const server = io;
  if (server === undefined) return Promise.reject(new Error("broadcast needs --level socket"));
  const cpu = cpuMicros();
  const startedAt = wallNow();
  let seq = 0;
  return new Promise((resolve) => {
    const burst = () => {
      for (let i = 0; i < params.perTick && seq < params.emits; i++) server.emit("b", seq++, params.payload);
      if (seq < params.emits) setImmediate(burst);
      else {
        const emittedAt = wallNow();
        setImmediate(() => resolve({ startedAt, emittedAt, writtenAt: wallNow(), cpuMicros: cpu }));
      }
    };
    burst();
  });
}

function exit(): void {
  // process.exit (not a signal) so that `--cpu-prof` writes its profile.
  process.exit(0);
}

const detail = `${loaded.detail} (${level}, pid ${process.pid})`;
serveOrListen<ServerCommands>(
  {
    stats: ({ gc }) => stats(gc),
    "wait-clients": ({ count }) =>
      clients === count
        ? stats(false)
        : new Promise<void>((resolve) => waiters.push({ count, resolve })).then(() => stats(false)),
    broadcast,
  },
  { port, detail, url: `http://${values.host}:${port}${loaded.path}` },
  exit,
);
