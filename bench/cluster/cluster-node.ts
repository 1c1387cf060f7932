/**
 * One node of the cluster benchmark (`npm run bench:cluster`): an HTTP server on loopback running
 * `socket.io@4.8` + `@socket.io/redis-adapter` or Plexus + `@plexus/redis-adapter`, classic or sharded,
 * joined to the other nodes through the Redis at `--redis`. Started by `bench/cluster/cluster-run.ts`
 * (IPC, the same request/reply channel as `bench/target-server.ts`); started by hand, it just listens.
 *
 *   node --conditions=source --import tsx bench/cluster/cluster-node.ts --impl plexus --mode sharded \
 *        --redis redis://127.0.0.1:6379 --rooms spread,solo
 *
 * The application is the same for every implementation: each connecting socket joins `--rooms`; the
 * orchestrator asks for room broadcasts (`emit`), `fetchSockets` timings and the node count. Node-redis
 * clients for all four targets (`@socket.io/redis-adapter`'s sharded adapter takes only node-redis).
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { createAdapter, createShardedAdapter } from "@plexus/redis-adapter";
import { Server } from "@plexus/server";
import {
  createAdapter as createSocketIoAdapter,
  createShardedAdapter as createSocketIoShardedAdapter,
} from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server as SocketIoServer } from "socket.io";
import { hasParent, serveCommands } from "../child-endpoint.js";
import { wallNow } from "../control-messages.js";
import type { ClusterNodeCommands, RoomEmitParams, RoomEmitStart } from "./cluster-messages.js";

const { values } = parseArgs({
  options: {
    impl: { type: "string", default: "plexus" },
    mode: { type: "string", default: "classic" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
    rooms: { type: "string", default: "" },
    port: { type: "string", default: "0" },
  },
});
const impl = values.impl;
const mode = values.mode;
if (impl !== "plexus" && impl !== "socket.io") throw new Error("--impl must be plexus or socket.io");
if (mode !== "classic" && mode !== "sharded") throw new Error("--mode must be classic or sharded");
const rooms = values.rooms.split(",").filter(Boolean);

const pub = createClient({ url: values.redis });
const sub = pub.duplicate();
pub.on("error", () => {});
sub.on("error", () => {});
await Promise.all([pub.connect(), sub.connect()]);

// Long enough for 10k sockets' descriptions on a loaded machine: the bench measures, it does not time out.
const requestsTimeout = 60_000;
const http = createServer();
// biome-ignore lint/suspicious/noExplicitAny: one code path drives both servers' (differently typed) APIs.
let io: any;
if (impl === "socket.io") {
  const factory = mode === "sharded" ? createSocketIoShardedAdapter : createSocketIoAdapter;
  io = new SocketIoServer(http, { adapter: factory(pub, sub, { requestsTimeout }) });
} else {
  const factory = mode === "sharded" ? createShardedAdapter : createAdapter;
  io = new Server(http, { adapter: factory(pub, sub, { requestsTimeout }) });
}

let clients = 0;
const waiters: { count: number; resolve: () => void }[] = [];

function clientsChanged(): void {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i]!.count !== clients) continue;
    waiters[i]!.resolve();
    waiters.splice(i, 1);
  }
}

function onDisconnect(): void {
  clients--;
  clientsChanged();
}

// Module-level listeners: the bench application adds no closure per connection.
// biome-ignore lint/suspicious/noExplicitAny: see above.
function onConnection(socket: any): void {
  clients++;
  if (rooms.length > 0) socket.join(rooms);
  socket.on("disconnect", onDisconnect);
  clientsChanged();
}
io.on("connection", onConnection);

await new Promise<void>((resolve) =>
  http.listen({ port: Number(values.port), host: "127.0.0.1", backlog: 4096 }, resolve),
);
const address = http.address();
const port = typeof address === "object" && address !== null ? address.port : 0;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function stats(): { cpuMicros: number; clients: number } {
  return { cpuMicros: cpuMicros(), clients };
}

/** `io.to(room).emit("b", seq, payload)`, `perTick` per event-loop turn. */
function emit(params: RoomEmitParams): Promise<RoomEmitStart> {
  const cpu = cpuMicros();
  const startedAt = wallNow();
  let seq = 0;
  return new Promise((resolve) => {
    const burst = (): void => {
      for (let i = 0; i < params.perTick && seq < params.emits; i++) {
        io.to(params.room).emit("b", seq++, params.payload);
      }
      if (seq < params.emits) setImmediate(burst);
      else setImmediate(() => resolve({ startedAt, emittedAt: wallNow(), cpuMicros: cpu }));
    };
    burst();
  });
}

/** `samples` sequential `io.fetchSockets()` calls: wall time of each (ms) and the sockets found. */
async function fetchSockets(samples: number): Promise<{ latencies: number[]; sockets: number }> {
  const latencies: number[] = [];
  let sockets = 0;
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const found = await io.fetchSockets();
    latencies.push(performance.now() - start);
    sockets = found.length;
  }
  return { latencies, sockets };
}

async function exit(): Promise<void> {
  // process.exit (not a signal) so that `--cpu-prof` writes its profile; close() first so that the other
  // nodes see this one leave (Plexus) instead of waiting for its heartbeat to expire.
  const timer = setTimeout(() => process.exit(0), 2000);
  try {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await Promise.allSettled([pub.quit(), sub.quit()]);
  } finally {
    clearTimeout(timer);
    process.exit(0);
  }
}

const detail = `${impl} ${mode} node (pid ${process.pid})`;
if (hasParent()) {
  serveCommands<ClusterNodeCommands>(
    {
      stats: () => stats(),
      "wait-clients": ({ count }) =>
        clients === count
          ? stats()
          : new Promise<void>((resolve) => waiters.push({ count, resolve })).then(stats),
      emit,
      "fetch-sockets": ({ samples }) => fetchSockets(samples),
      "server-count": async () => Number(await io.of("/").adapter.serverCount()),
    },
    { type: "ready", port, detail },
    () => void exit(),
  );
} else {
  console.log(`${detail} listening on http://127.0.0.1:${port}/socket.io/`);
  process.on("SIGINT", () => void exit());
  process.on("SIGTERM", () => void exit());
}
