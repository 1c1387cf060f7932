/**
 * Bad data in Redis for the recovery log (`redis-recovery-log.ts`): garbage session records, garbage
 * stream entries inside a replay, garbage on the log's channel, made-up pids and offsets. Each is
 * dropped and counted (`recoveryLog.counters.badEntries`), the client gets a fresh session or the valid
 * part of its replay, and the node keeps serving.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { createAdapter } from "@plexus/redis-adapter";
import type { Socket } from "@plexus/server";
import { Redis } from "ioredis";
import notepack from "notepack.io";
import type { Socket as ClientSocket } from "socket.io-client";
import { startRedis } from "../../../test-support/redis-server.js";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";
import { clientPair } from "./helpers.js";
import { collect, received } from "./recovery-process.js";

const LOG = "socket.io-recovery#{/}#log";
const CHANNEL = "socket.io-recovery#{/}#";
const SESSION = "socket.io-recovery#/#session#";

async function recoveryServer(
  url: string,
): Promise<{ server: TestServer; adapter: ClusterAdapter; close(): Promise<void> }> {
  const clients = await clientPair("ioredis", url);
  const server = await startServer({
    adapter: createAdapter(clients.pub, clients.sub),
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
  });
  server.io.enableStats();
  const adapter = server.io.of("/").adapter as ClusterAdapter;
  while (adapter.recoveryLog?.applied === undefined) await new Promise((r) => setTimeout(r, 10));
  return {
    server,
    adapter,
    async close() {
      await server.close();
      await clients.close();
    },
  };
}

async function connect(server: TestServer, auth?: object): Promise<{ client: ClientSocket; socket: Socket }> {
  const connected = next<[Socket]>(server.io, "connection");
  const client = server.client("/", {
    transports: ["websocket"],
    reconnection: false,
    ...(auth && { auth }),
  });
  const [socket] = await connected;
  await next(client, "connect");
  return { client, socket };
}

test("garbage session records and made-up pids or offsets give a fresh session, counted", async () => {
  await using redis = await startRedis();
  const node = await recoveryServer(redis.url);
  const raw = new Redis(redis.url);
  try {
    await raw.set(`${SESSION}garbage`, Buffer.from([0xc1, 0xff, 0x00]));
    await raw.set(`${SESSION}shape`, notepack.encode([1, 42, "not rooms", null, "", ""]));
    await raw.set(`${SESSION}version`, notepack.encode([9, "sid", [], null, "", ""]));
    const attempts = [
      { pid: "garbage", offset: "abc:1-1" },
      { pid: "shape", offset: "abc:1-1" },
      { pid: "version" },
      { pid: "unknown", offset: "abc:1-1" },
      { pid: "bad pid with spaces", offset: "abc:1-1" },
      { pid: "x".repeat(500), offset: "abc:1-1" },
    ];
    for (const auth of attempts) {
      const { client, socket } = await connect(node.server, auth);
      assert.equal(socket.recovered, false);
      client.disconnect();
    }
    assert.equal(node.adapter.recoveryLog!.counters.badEntries, 3);
    const stats = node.server.io.stats!.of(node.server.io.of("/"));
    assert.equal(stats.recoveryMisses, attempts.length);
    assert.equal(stats.recoveryHits, 0);

    // A session with a made-up offset (wrong syntax, another epoch, beyond the log) is not honoured.
    const epoch = node.adapter.recoveryLog!.applied!.epoch;
    for (const offset of ["nonsense", "zz:1-1", `${epoch}:01-1`, `${epoch}:99999999999999-0`]) {
      const { client, socket } = await connect(node.server);
      const pid = socket.pid!;
      await socket.join("r");
      const gone = next(socket, "disconnect");
      client.io.engine.close();
      await gone;
      const again = await connect(node.server, { pid, offset });
      assert.equal(again.socket.recovered, false);
      again.client.disconnect();
    }
  } finally {
    raw.disconnect();
    await node.close();
  }
});

test("garbage stream entries inside a replay are skipped and counted; garbage on the channel is dropped", async () => {
  await using redis = await startRedis();
  const node = await recoveryServer(redis.url);
  const raw = new Redis(redis.url);
  try {
    const { client, socket } = await connect(node.server);
    const got = collect(client);
    const sid = socket.id;
    node.server.io.to(sid).emit("news", 0);
    await received(client, got, 1);
    const gone = next(socket, "disconnect");
    client.io.engine.close();
    await gone;

    const counters = node.adapter.recoveryLog!.counters;
    const before = counters.badEntries;
    await raw.xadd(LOG, "*", "p", Buffer.from([0xc1]));
    await raw.xadd(LOG, "*", "p", notepack.encode([["r"], [], 7, ["news"]]));
    await raw.xadd(LOG, "*", "other-field", "x", "p", "y");
    for (const message of [
      "",
      "no-spaces",
      "a b c",
      "e 1-1 nonsense payload",
      `${"e".repeat(40)} 1-0 2-0 x`,
    ]) {
      await raw.publish(CHANNEL, message);
    }
    const applied = counters.applied;
    node.server.io.to(sid).emit("news", 1);
    while (counters.applied === applied) await new Promise((r) => setTimeout(r, 5));

    const connected = next<[Socket]>(node.server.io, "connection");
    client.connect();
    const [back] = await connected;
    assert.equal(back.recovered, true);
    await received(client, got, 2);
    assert.deepEqual(got, [
      ["news", 0],
      ["news", 1],
    ]);
    // 3 garbage entries in the replay, 5 garbage channel messages.
    assert.equal(counters.badEntries - before, 8);
    // The node still serves: a fresh client gets a broadcast.
    const fresh = await connect(node.server);
    const live = next(fresh.client, "hello");
    node.server.io.emit("hello");
    await live;
    fresh.client.disconnect();
    client.disconnect();
  } finally {
    raw.disconnect();
    await node.close();
  }
});
