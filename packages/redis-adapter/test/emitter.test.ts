/**
 * The official `@socket.io/redis-emitter`, unchanged, drives a cluster of two Plexus nodes: broadcasts
 * (to all, to rooms, to socket ids, `except`, binary) in the order it sent them, and its requests
 * (`socketsJoin`, `socketsLeave`, `disconnectSockets`, `serverSideEmit`).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Socket } from "@plexus/server";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import type { Socket as ClientSocket } from "socket.io-client";
import { startRedis, type TestRedis } from "../../../test-support/redis-server.js";
import { next } from "../../server/test/helpers.js";
import { type RedisNode, startNode } from "./helpers.js";

let redis: TestRedis;
let a: RedisNode;
let b: RedisNode;
let emitterClient: ReturnType<typeof createClient>;
let emitter: Emitter;
const peers: Array<{ client: ClientSocket; socket: Socket; events: string[] }> = [];

before(async () => {
  redis = await startRedis();
  a = await startNode("ioredis", "classic", redis.url);
  b = await startNode("node-redis", "classic", redis.url);
  await new Promise((resolve) => a.adapter().membership.once("up", resolve));
  for (const node of [a, b]) {
    const connected = next<[Socket]>(node.server.io, "connection");
    const client = node.server.client("/", { transports: ["websocket"] });
    const [socket] = await connected;
    await next(client, "connect");
    const events: string[] = [];
    client.onAny((event: string, ...args: unknown[]) => {
      if (event !== "sentinel")
        events.push(args.length > 0 && typeof args[0] === "number" ? `${event}${args[0]}` : event);
    });
    peers.push({ client, socket, events });
  }
  emitterClient = createClient({ url: redis.url });
  await emitterClient.connect();
  emitter = new Emitter(emitterClient);
});

after(async () => {
  await emitterClient.destroy();
  for (const node of [a, b]) {
    await node.server.close();
    await node.clients.close();
  }
  await redis.stop();
});

/** The emitter's sentinel to everyone: what it sent before has arrived. */
async function settle(): Promise<string[][]> {
  const waits = peers.map((p) => next(p.client, "sentinel"));
  emitter.emit("sentinel");
  await Promise.all(waits);
  return peers.map((p) => p.events.splice(0));
}

test("emitter broadcasts: to all (binary), to a room held on one node, to a socket id, except", async () => {
  const [pa, pb] = peers as [(typeof peers)[0], (typeof peers)[0]];
  await pb.socket.join("b-room");
  const bytes = next(pa.client, "all");
  emitter.emit("all", Buffer.from([7, 8]));
  assert.deepEqual([...((await bytes)[0] as Buffer)], [7, 8]);
  emitter.to("b-room").emit("room");
  emitter.to(pa.socket.id).emit("direct");
  emitter.except("b-room").emit("not-b");
  assert.deepEqual(await settle(), [
    ["all", "direct", "not-b"],
    ["all", "room"],
  ]);
});

test("emitter messages to different rooms arrive in the order it sent them", async () => {
  const pb = peers[1]!;
  await pb.socket.join(["x", "y"]);
  for (let i = 0; i < 30; i++) {
    if (i % 3 === 0) emitter.to("x").emit("n", i);
    else if (i % 3 === 1) emitter.to("y").emit("n", i);
    else emitter.to(pb.socket.id).emit("n", i);
  }
  const [, onB] = await settle();
  assert.deepEqual(
    onB,
    Array.from({ length: 30 }, (_, i) => `n${i}`),
  );
});

test("emitter requests: socketsJoin, socketsLeave, serverSideEmit, disconnectSockets", async () => {
  const [pa, pb] = peers as [(typeof peers)[0], (typeof peers)[0]];
  emitter.in(pb.socket.id).socketsJoin("joined");
  const heard = new Promise((resolve) =>
    a.server.io.on("from-emitter", (...args: unknown[]) => resolve(args)),
  );
  emitter.serverSideEmit("from-emitter", 1);
  assert.deepEqual(await heard, [1]);
  await settle(); // the emitter's earlier requests reached every node before its sentinel
  const fetched = await a.server.io.in("joined").fetchSockets();
  assert.deepEqual(
    fetched.map((s) => s.id),
    [pb.socket.id],
  );
  emitter.in("joined").socketsLeave("joined");
  await settle();
  assert.deepEqual(await a.server.io.in("joined").fetchSockets(), []);
  const gone = next(pa.client, "disconnect");
  emitter.in(pa.socket.id).disconnectSockets();
  assert.equal((await gone)[0], "io server disconnect");
});
