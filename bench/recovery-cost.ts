/**
 * What connection state recovery through Redis costs (README "Connection state recovery across nodes"):
 * Plexus with `@plexus/redis-adapter` (Redis Streams log written by one Lua script with the publish) side
 * by side with socket.io@4.8 and `@socket.io/redis-streams-adapter`, in one run, each on its own fresh
 * `redis-server`, one node, one official client in a room.
 *
 * - Redis memory per logged packet: `INFO memory` used_memory before/after `count` room broadcasts
 *   (all logged; both logs bounded at 100,000 entries, so nothing is trimmed).
 * - Redis CPU per logged packet: `INFO cpu` (user + sys of redis-server) over the same broadcasts, until the
 *   client received them all. Node CPU: this process (server and client) over the same span.
 * - Time to recover 1,000 missed packets: the client's transport is closed, 1,000 broadcasts go to its room,
 *   then the client reconnects; from `connect()` until the 1,000th replayed packet (median of `runs`).
 *
 * Run: `npm run bench:recovery [-- count runs]` (defaults 10000 and 5).
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@plexus/redis-adapter";
import { Server } from "@plexus/server";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";
import { Server as SocketIoServer } from "socket.io";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { startRedis } from "../test-support/redis-server.js";
import { upperMedian } from "./statistics.js";

const count = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const MISSED = 1000;
const BOUND = 100_000;
const recovery = { maxDisconnectionDuration: 120_000, maxPackets: BOUND };

interface Result {
  memoryBytes: number;
  redisCpuUs: number;
  nodeCpuUs: number;
  recoverMs: number[];
}

// biome-ignore lint/suspicious/noExplicitAny: one code path drives both servers' (differently typed) APIs.
type AnyServer = any;

async function redisInfo(redis: Redis): Promise<{ memory: number; cpu: number }> {
  const text = `${await redis.info("memory")}\n${await redis.info("cpu")}`;
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(text)?.[1] ?? 0);
  return { memory: field("used_memory"), cpu: (field("used_cpu_user") + field("used_cpu_sys")) * 1e6 };
}

/** Resolves once `client` received `n` more `event`s than it had. */
function receive(client: ClientSocket, event: string, n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const on = (): void => {
      if (--left === 0) {
        client.off(event, on);
        resolve();
      }
    };
    client.on(event, on);
  });
}

async function measure(impl: "plexus" | "socket.io"): Promise<Result> {
  await using redis = await startRedis();
  const opts = { maxRetriesPerRequest: null };
  const pub = new Redis(redis.url, opts);
  const sub = new Redis(redis.url, opts);
  const probe = new Redis(redis.url, opts);
  const http: HttpServer = createServer();
  const io: AnyServer =
    impl === "plexus"
      ? new Server(http, { adapter: createAdapter(pub, sub), connectionStateRecovery: recovery })
      : new SocketIoServer(http, {
          adapter: createStreamsAdapter(pub, { maxLen: BOUND }),
          connectionStateRecovery: recovery,
        });
  io.on("connection", (socket: AnyServer) => {
    socket.join(socket.handshake.auth.watch === true ? "watch" : "room");
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connect = async (auth: object): Promise<ClientSocket> => {
    const client = ioc(url, { transports: ["websocket"], reconnection: false, forceNew: true, auth });
    await new Promise((resolve) => client.once("connect", () => resolve(undefined)));
    return client;
  };
  const client = await connect({});
  // Receives a marker after each batch: the batch is in Redis once it arrived (one publisher, in order).
  const watcher = await connect({ watch: true });
  const payload = (i: number) => ({ text: "x".repeat(100), n: i });
  const settle = async (): Promise<void> => {
    const marked = receive(watcher, "marker", 1);
    io.to("watch").emit("marker");
    await marked;
  };
  io.to("room").emit("news", payload(-1));
  await receive(client, "news", 1);
  await settle();

  const before = await redisInfo(probe);
  const cpu = process.cpuUsage();
  const all = receive(client, "news", count);
  for (let i = 0; i < count; i++) io.to("room").emit("news", payload(i));
  await all;
  await settle();
  const used = process.cpuUsage(cpu);
  const after = await redisInfo(probe);

  const recoverMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const closed = once(io, "connection").then(() => undefined);
    const gone = new Promise<void>((resolve) => {
      for (const socket of io.of("/").sockets.values()) {
        if (socket.rooms.has("room")) socket.once("disconnect", () => resolve());
      }
    });
    client.io.engine.close();
    await gone;
    for (let i = 0; i < MISSED; i++) io.to("room").emit("news", payload(i));
    await settle();
    const replayed = receive(client, "news", MISSED);
    const start = performance.now();
    client.connect();
    await replayed;
    recoverMs.push(performance.now() - start);
    await closed;
    if (!client.recovered) throw new Error(`${impl}: the client was not recovered`);
  }

  client.disconnect();
  watcher.disconnect();
  await new Promise<void>((resolve) => io.close(() => resolve()));
  for (const c of [pub, sub, probe]) c.disconnect();
  return {
    memoryBytes: (after.memory - before.memory) / count,
    redisCpuUs: (after.cpu - before.cpu) / count,
    nodeCpuUs: (used.user + used.system) / count,
    recoverMs,
  };
}

const plexus = await measure("plexus");
if (process.env.ONLY_PLEXUS === "1") process.exit(0);
const socketio = await measure("socket.io");
const row = (name: string, unit: string, p: number, s: number, digits: number): void => {
  console.log(
    `${name.padEnd(36)} ${`${p.toFixed(digits)} ${unit}`.padStart(12)}   ${`${s.toFixed(digits)} ${unit}`.padStart(12)}   ×${(p / s).toFixed(2)}`,
  );
};
console.log(
  `recovery cost: ${count} logged room broadcasts, ${MISSED} missed packets × ${runs} recoveries, 1 node`,
);
console.log(`${"".padEnd(36)} ${"plexus".padStart(12)}   ${"socket.io".padStart(12)}   plexus/socket.io`);
row("Redis memory per logged packet", "B", plexus.memoryBytes, socketio.memoryBytes, 0);
row("Redis CPU per logged packet", "µs", plexus.redisCpuUs, socketio.redisCpuUs, 1);
row("Node CPU per logged packet", "µs", plexus.nodeCpuUs, socketio.nodeCpuUs, 1);
row(
  `time to recover ${MISSED} missed packets`,
  "ms",
  upperMedian(plexus.recoverMs),
  upperMedian(socketio.recoverMs),
  1,
);
console.log(
  `runs (ms): plexus [${plexus.recoverMs.map((x) => x.toFixed(1)).join(", ")}]  socket.io [${socketio.recoverMs.map((x) => x.toFixed(1)).join(", ")}]`,
);
process.exit(0);
