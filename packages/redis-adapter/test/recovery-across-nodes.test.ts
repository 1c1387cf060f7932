/**
 * Connection state recovery across nodes (README "Connection state recovery across nodes"): real Redis,
 * real node processes behind the round-robin proxy, official and Plexus clients. A client whose node was
 * killed (SIGKILL) or whose transport dropped comes back on another node with its id, rooms, data and
 * every packet it missed — to its id, its rooms, everyone — exactly once, in order, before anything newer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { io as plexusIo } from "@plexus/client";
import { Redis } from "ioredis";
import { type Socket as ClientSocket, io as officialIo } from "socket.io-client";
import { startRedis } from "../../../test-support/redis-server.js";
import { collect, nextOn, received, startRecoveryCluster } from "./recovery-process.js";

const LOG = "socket.io-recovery#{/}#log";
const META = "socket.io-recovery#{/}#meta";

type MakeClient = (url: string) => ClientSocket;
const options = { transports: ["websocket" as const], reconnection: false, forceNew: true };
const clients: Array<[string, MakeClient]> = [
  ["socket.io-client", (url) => officialIo(url, options)],
  ["@plexus/client", (url) => plexusIo(url, options) as unknown as ClientSocket],
];

test("SIGKILL of the client's node: recovered on another node, every missed packet once, in order", async () => {
  await using redis = await startRedis();
  const cluster = await startRecoveryCluster(redis.url, 3);
  const client = officialIo(cluster.proxy.url, options);
  try {
    const got = collect(client);
    await nextOn(client, "connect");
    const sid = client.id!;
    const home = await cluster.nodeOf(sid);
    const [a, b] = cluster.nodes.filter((n) => n !== home) as [typeof home, typeof home];
    await client.emitWithAck("join", "room-a");
    await client.emitWithAck("set-data", { user: "ann" });
    await a.emit([["room-a"], [], "news", 0]);
    await received(client, got, 1);

    const gone = nextOn(client, "disconnect");
    await home.kill("SIGKILL");
    await gone;
    // While its node is dead: to its id (routed by the id's node, which is gone), its room, everyone.
    await a.emit(
      [["room-a"], [], "news", 1],
      [[sid], [], "direct", 2],
      [[], [], "all", 3],
      [["room-b"], [], "news", "not for me"],
      [[], ["room-a"], "news", "not for me either"],
    );
    await b.emit([[sid], [], "direct", 4], [["room-a"], [], "news", 5]);

    client.connect();
    await nextOn(client, "connect");
    assert.equal(client.recovered, true);
    assert.equal(client.id, sid);
    const back = await Promise.race(
      [a, b].map((n) => n.seen("connection", (r) => r.sid === sid).then((r) => ({ n, r }))),
    );
    assert.equal(back.r.recovered, true);
    assert.deepEqual((back.r.rooms as string[]).sort(), [sid, "room-a"].sort());
    assert.deepEqual(back.r.data, { user: "ann" });
    await a.emit([[sid], [], "after", 6]);
    await received(client, got, 7);
    assert.deepEqual(got, [
      ["news", 0],
      ["news", 1],
      ["direct", 2],
      ["all", 3],
      ["direct", 4],
      ["news", 5],
      ["after", 6],
    ]);
    assert.deepEqual(await back.n.call("stats"), { hits: 1, misses: 0 });
  } finally {
    client.disconnect();
    await cluster.close();
  }
});

for (const [name, make] of clients) {
  test(`transport drop (${name}): recovered on the other node, rooms and missed packets back`, async () => {
    await using redis = await startRedis();
    const cluster = await startRecoveryCluster(redis.url, 2);
    const client = make(cluster.proxy.url);
    try {
      const got = collect(client);
      await nextOn(client, "connect");
      const sid = client.id!;
      const home = await cluster.nodeOf(sid);
      const other = cluster.nodes.find((n) => n !== home)!;
      await client.emitWithAck("join", "room-a");
      await home.emit([[sid], [], "hello", 0]);
      await received(client, got, 1);

      const gone = nextOn(client, "disconnect");
      client.io.engine.close();
      await gone;
      await home.seen("disconnect", (r) => r.sid === sid);
      await home.emit([["room-a"], [], "news", 1], [[sid], [], "direct", 2]);
      await other.emit([[], [], "all", 3]);

      client.connect();
      await nextOn(client, "connect");
      assert.equal(client.recovered, true);
      assert.equal(client.id, sid);
      const back = await other.seen("connection", (r) => r.sid === sid);
      assert.equal(back.recovered, true);
      await home.emit([["room-a"], [], "after", 4]);
      await received(client, got, 5);
      assert.deepEqual(got, [
        ["hello", 0],
        ["news", 1],
        ["direct", 2],
        ["all", 3],
        ["after", 4],
      ]);
    } finally {
      client.disconnect();
      await cluster.close();
    }
  });
}

test("a client that comes back before its first packet (pid, no offset) is recovered", async () => {
  await using redis = await startRedis();
  const cluster = await startRecoveryCluster(redis.url, 2);
  const client = officialIo(cluster.proxy.url, options);
  try {
    const got = collect(client);
    await nextOn(client, "connect");
    const sid = client.id!;
    const home = await cluster.nodeOf(sid);
    const other = cluster.nodes.find((n) => n !== home)!;
    await client.emitWithAck("join", "room-a");
    const gone = nextOn(client, "disconnect");
    await home.kill("SIGKILL");
    await gone;
    await other.emit([["room-a"], [], "news", 1], [[sid], [], "direct", 2]);
    client.connect();
    await nextOn(client, "connect");
    assert.equal(client.recovered, true);
    assert.equal(client.id, sid);
    await received(client, got, 2);
    assert.deepEqual(got, [
      ["news", 1],
      ["direct", 2],
    ]);
  } finally {
    client.disconnect();
    await cluster.close();
  }
});

test("history trimmed or lost after the offset: a clean fresh session, never a gap", async () => {
  await using redis = await startRedis();
  const cluster = await startRecoveryCluster(redis.url, 2);
  const raw = new Redis(redis.url);
  const client = officialIo(cluster.proxy.url, options);
  try {
    const got = collect(client);
    await nextOn(client, "connect");
    const first = client.id!;
    const home = await cluster.nodeOf(first);
    const other = cluster.nodes.find((n) => n !== home)!;
    await client.emitWithAck("join", "room-a");
    await home.emit([["room-a"], [], "news", 0]);
    await received(client, got, 1);

    // Trimmed: the entries after the client's offset are gone.
    let gone = nextOn(client, "disconnect");
    client.io.engine.close();
    await gone;
    await home.seen("disconnect", (r) => r.sid === first);
    await home.emit([["room-a"], [], "news", "trimmed 1"], [["room-a"], [], "news", "trimmed 2"]);
    await raw.xtrim(LOG, "MAXLEN", 0);
    client.connect();
    await nextOn(client, "connect");
    assert.equal(client.recovered, false);
    const second = client.id!;
    assert.notEqual(second, first);
    const fresh = await other.seen("connection", (r) => r.sid === second);
    assert.equal(fresh.recovered, false);
    assert.deepEqual(await other.call("stats"), { hits: 0, misses: 1 });
    await other.emit([[second], [], "news", 1]);
    await received(client, got, 2);

    // Lost: Redis lost the log (a new epoch starts), the old offset is not honoured.
    const third = await cluster.nodeOf(second);
    gone = nextOn(client, "disconnect");
    client.io.engine.close();
    await gone;
    await third.seen("disconnect", (r) => r.sid === second);
    await raw.del(LOG, META);
    await third.emit([[], [], "news", "new epoch"]);
    client.connect();
    await nextOn(client, "connect");
    assert.equal(client.recovered, false);
    assert.notEqual(client.id, second);
    await third.emit([[client.id!], [], "news", 2]);
    await received(client, got, 3);
    assert.deepEqual(got, [
      ["news", 0],
      ["news", 1],
      ["news", 2],
    ]);
  } finally {
    client.disconnect();
    raw.disconnect();
    await cluster.close();
  }
});
