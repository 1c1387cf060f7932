/**
 * Connection state recovery across the workers of one machine (README "Connection state recovery across
 * workers"): a real node:cluster primary keeping the log, real workers on one port (round-robin), official
 * and Plexus clients. A client whose worker was SIGKILLed, or whose transport dropped, comes back on another
 * worker with its id, rooms, data and every packet it missed — to its id, its rooms, everyone — exactly
 * once, in order, before anything newer; a client whose history was trimmed gets a clean fresh session.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { io as plexusIo } from "@plexus/client";
import { type Socket as ClientSocket, io as officialIo } from "socket.io-client";
import { collect, nextOn, received } from "../../redis-adapter/test/recovery-process.js";
import { RecoveryWorkers } from "./recovery-cluster.js";

type MakeClient = (url: string) => ClientSocket;
const options = { transports: ["websocket" as const], reconnection: false, forceNew: true };
const clients: Array<[string, MakeClient, "json" | "advanced"]> = [
  ["socket.io-client", (url) => officialIo(url, options), "json"],
  ["@plexus/client", (url) => plexusIo(url, options) as unknown as ClientSocket, "advanced"],
];

for (const [name, make, serialization] of clients) {
  test(`SIGKILL of the client's worker (${name}, ${serialization} IPC): recovered on another, every missed packet once, in order`, async () => {
    const workers = await RecoveryWorkers.start(3, serialization);
    const client = make(workers.url);
    try {
      const got = collect(client);
      await nextOn(client, "connect");
      const sid = client.id!;
      const home = (await workers.connection(sid)).nodeId;
      const [a, b] = workers.nodes.filter((n) => n !== home) as [string, string];
      await client.emitWithAck("join", "room-a");
      await client.emitWithAck("set-data", { user: "ann" });
      await workers.emit(a, [["room-a"], [], "news", 0]);
      await received(client, got, 1);

      const gone = nextOn(client, "disconnect");
      const mark = workers.messages.length;
      await workers.kill(home);
      await gone;
      // While its worker is dead: to its id (its node is gone), its room, everyone, and what is not for it.
      await workers.emit(
        a,
        [["room-a"], [], "news", 1],
        [[sid], [], "direct", 2],
        [[], [], "all", 3],
        [["room-b"], [], "news", "not for me"],
        [[], ["room-a"], "news", "not for me either"],
      );
      await workers.emit(b, [[sid], [], "direct", 4], [["room-a"], [], "news", 5]);

      client.connect();
      await nextOn(client, "connect");
      assert.equal(client.recovered, true);
      assert.equal(client.id, sid);
      const back = await workers.connection(sid, mark);
      assert.notEqual(back.nodeId, home);
      assert.equal(back.recovered, true);
      assert.deepEqual((back.rooms as string[]).sort(), [sid, "room-a"].sort());
      assert.deepEqual(back.data, { user: "ann" });
      await workers.emit(a, [[sid], [], "after", 6]);
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
    } finally {
      client.disconnect();
      await workers.close();
    }
  });

  test(`transport drop (${name}): recovered on whichever worker takes it, missed packets back`, async () => {
    const workers = await RecoveryWorkers.start(2, serialization);
    const client = make(workers.url);
    try {
      const got = collect(client);
      await nextOn(client, "connect");
      const sid = client.id!;
      const home = (await workers.connection(sid)).nodeId;
      const other = workers.nodes.find((n) => n !== home)!;
      await client.emitWithAck("join", "room-a");
      await workers.emit(home, [[sid], [], "hello", 0]);
      await received(client, got, 1);

      const gone = nextOn(client, "disconnect");
      const mark = workers.messages.length;
      client.io.engine.close();
      await gone;
      await workers.seen("event", (m) => m.event === "disconnect" && m.sid === sid);
      await workers.emit(home, [["room-a"], [], "news", 1], [[sid], [], "direct", 2]);
      await workers.emit(other, [[], [], "all", 3]);

      client.connect();
      await nextOn(client, "connect");
      assert.equal(client.recovered, true);
      assert.equal(client.id, sid);
      assert.equal((await workers.connection(sid, mark)).recovered, true);
      await workers.emit(other, [["room-a"], [], "after", 4]);
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
      await workers.close();
    }
  });
}

test("history trimmed after the offset (maxPackets): a clean fresh session, never a gap", async () => {
  const workers = await RecoveryWorkers.start(2, "json", { MAX_PACKETS: "2" });
  const client = officialIo(workers.url, options);
  try {
    const got = collect(client);
    await nextOn(client, "connect");
    const first = client.id!;
    const home = (await workers.connection(first)).nodeId;
    await client.emitWithAck("join", "room-a");
    await workers.emit(home, [["room-a"], [], "news", 0]);
    await received(client, got, 1);

    const gone = nextOn(client, "disconnect");
    await workers.kill(home);
    await gone;
    const [other] = workers.nodes as [string];
    await workers.emit(
      other,
      [["room-a"], [], "news", "trimmed 1"],
      [["room-a"], [], "news", "kept 2"],
      [["room-a"], [], "news", "kept 3"],
    );
    client.connect();
    await nextOn(client, "connect");
    assert.equal(client.recovered, false);
    const second = client.id!;
    assert.notEqual(second, first);
    assert.equal((await workers.connection(second)).recovered, false);
    await workers.emit(other, [[second], [], "news", 1]);
    await received(client, got, 2);
    assert.deepEqual(got, [
      ["news", 0],
      ["news", 1],
    ]);
  } finally {
    client.disconnect();
    await workers.close();
  }
});
