/**
 * A mixed cluster, as a team migrating one node at a time runs it: a `socket.io@4.8` process with
 * `@socket.io/redis-adapter` and two Plexus processes (one on ioredis, one on node-redis) on one Redis.
 * Broadcasts, `fetchSockets`, `serverSideEmit` (with and without acks), broadcast acks and node counts work
 * in both directions. "Nothing else arrived" is checked with a sentinel broadcast from the same sender.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Socket as ClientSocket } from "socket.io-client";
import { startRedis, type TestRedis } from "../../../test-support/redis-server.js";
import { joinRoom, NodeProcess, nextOn } from "./cluster-process.js";

let redis: TestRedis;
let sio: NodeProcess;
let p1: NodeProcess;
let p2: NodeProcess;
let onSio: ClientSocket;
let onP1: ClientSocket;
let onP2: ClientSocket;
const got = new Map<ClientSocket, string[]>();

before(async () => {
  redis = await startRedis();
  sio = await NodeProcess.start(redis.url, { kind: "socketio" });
  [p1, p2] = await Promise.all([
    NodeProcess.start(redis.url, { kind: "plexus", client: "ioredis" }),
    NodeProcess.start(redis.url, { kind: "plexus", client: "node-redis" }),
  ]);
  await Promise.all([
    p1.seen("up", (r) => r.nodeId === p2.nodeId),
    p2.seen("up", (r) => r.nodeId === p1.nodeId),
  ]);
  for (const node of [sio, p1, p2]) {
    const client = await node.connect();
    const events: string[] = [];
    client.onAny((event: string) => {
      if (event !== "sentinel") events.push(event);
    });
    got.set(client, events);
  }
  [onSio, onP1, onP2] = [...got.keys()] as [ClientSocket, ClientSocket, ClientSocket];
});

after(async () => {
  await Promise.all([sio, p1, p2].map((n) => n?.kill("SIGTERM")));
  await redis?.stop();
});

/** Broadcasts a sentinel from `from` and returns what each client received before it. */
async function settle(from: NodeProcess): Promise<string[][]> {
  const waits = [...got.keys()].map((c) => nextOn(c, "sentinel"));
  await from.call("emit", [], [], "sentinel", []);
  await Promise.all(waits);
  return [...got.values()].map((events) => events.splice(0));
}

test("node counts: Plexus counts the socket.io node; socket.io's NUMSUB count includes the Plexus nodes", async () => {
  assert.equal(await p1.call("serverCount"), 3);
  assert.equal(await p2.call("serverCount"), 3);
  assert.equal(await sio.call("serverCount"), 3);
});

test("socket.io → Plexus: broadcasts to all, to a room, to a Plexus socket id (binary included)", async () => {
  await joinRoom(onP2, "only-p2");
  const bytes = nextOn(onP1, "all");
  await sio.call("emit", [], [], "all", ["x", Buffer.from([1, 2, 3])]);
  const [text, buffer] = await bytes;
  assert.equal(text, "x");
  assert.deepEqual([...(buffer as Buffer)], [1, 2, 3]);
  await sio.call("emit", ["only-p2"], [], "room", []);
  await sio.call("emit", [onP2.id], [], "direct", []);
  assert.deepEqual(await settle(sio), [["all"], ["all"], ["all", "room", "direct"]]);
});

test("Plexus → socket.io: broadcasts to all, to a room held on the socket.io node, to its socket id", async () => {
  await joinRoom(onSio, "only-sio");
  await p1.call("emit", [], [], "all", [Buffer.from([9])]);
  await p1.call("emit", ["only-sio"], [], "room", []);
  await p1.call("emit", [onSio.id], [], "direct", []);
  await p1.call("emit", [], ["only-sio"], "not-sio", []);
  assert.deepEqual(await settle(p1), [
    ["all", "room", "direct"],
    ["all", "not-sio"],
    ["all", "not-sio"],
  ]);
});

test("fetchSockets from either side sees every node's sockets", async () => {
  const fromSio = await sio.call<Array<{ id: string; data: { kind: string } }>>("fetchSockets", []);
  const fromP1 = await p1.call<Array<{ id: string; data: { kind: string } }>>("fetchSockets", []);
  const ids = [onSio.id, onP1.id, onP2.id].sort();
  assert.deepEqual(fromSio.map((s) => s.id).sort(), ids);
  assert.deepEqual(fromP1.map((s) => s.id).sort(), ids);
  assert.deepEqual(fromP1.map((s) => s.data.kind).sort(), ["plexus", "plexus", "socketio"]);
});

test("serverSideEmit with acks both ways; without acks both ways", async () => {
  const fromSio = await sio.call<string[]>("serverSideEmitWithAck", "who", []);
  assert.deepEqual(fromSio.sort(), [`plexus:${p1.port}`, `plexus:${p2.port}`].sort());
  const fromP1 = await p1.call<string[]>("serverSideEmitWithAck", "who", []);
  assert.deepEqual(fromP1.sort(), [`plexus:${p2.port}`, `socketio:${sio.port}`].sort());
  const heardBySio = sio.nextEvent("note");
  const heardByP1 = p1.nextEvent("note");
  await p2.call("serverSideEmit", "note", ["from p2"]);
  assert.deepEqual((await heardBySio).args, ["from p2"]);
  assert.deepEqual((await heardByP1).args, ["from p2"]);
  const heardByP2 = p2.nextEvent("note");
  await sio.call("serverSideEmit", "note", ["from sio"]);
  assert.deepEqual((await heardByP2).args, ["from sio"]);
});

test("broadcast acks from a Plexus node include the socket.io node's clients", async () => {
  for (const [i, client] of [onSio, onP1, onP2].entries())
    client.once("vote", (ack: (n: number) => void) => ack(i));
  const answers = await p1.call<number[]>("emitWithAck", [], "vote", []);
  assert.deepEqual(answers.sort(), [0, 1, 2]);
  for (const events of got.values()) events.splice(0);
});

test("socketsJoin from the socket.io node reaches Plexus sockets; from Plexus, a broadcast right after sees the join", async () => {
  await sio.call("socketsJoin", [onP2.id], "joined-by-sio");
  const [remote] = await sio.call<Array<{ rooms: string[] }>>("fetchSockets", ["joined-by-sio"]);
  assert.ok(remote?.rooms.includes("joined-by-sio"));
  await p1.call("socketsJoin", [], "joined-by-p1");
  await p1.call("emit", ["joined-by-p1"], [], "after-join", []);
  assert.deepEqual(await settle(p1), [["after-join"], ["after-join"], ["after-join"]]);
});
