/**
 * Presence across the in-process cluster (`createInProcessCluster`, the cluster base with an in-memory
 * broker): every node lists every node's entries and raises join/leave for them, sockets get diffs for
 * changes on other nodes, a node that joins late gets the others' entries, a node that leaves or dies takes
 * its entries with it (leave events and diffs), and malformed presence messages are dropped and counted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ClusterAdapter,
  ClusterMessageType,
  createInProcessCluster,
  type InProcessCluster,
} from "@plexus/adapter";
import { clusterFormed } from "@plexus/adapter/test-kit";
import type { Presence, PresenceDiff, PresenceState, Socket } from "@plexus/server";
import type { Socket as ClientSocket } from "socket.io-client";
import { next, startServer, type TestServer } from "./helpers.js";

const FAST = { requestsTimeout: 2000, heartbeatInterval: 100, heartbeatTimeout: 10_000 };

async function cluster(count: number, bus = createInProcessCluster()) {
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) servers.push(await startServer({ adapter: bus.adapter(FAST) }));
  await clusterFormed(
    servers.map((s) => adapterOf(s)),
    count,
  );
  return {
    bus,
    servers,
    async [Symbol.asyncDispose]() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

function adapterOf(s: TestServer): ClusterAdapter {
  return s.io.of("/").adapter as ClusterAdapter;
}

async function connect(s: TestServer, auth: Record<string, string> = {}) {
  const connected = next<[Socket]>(s.io.of("/"), "connection");
  const client = s.client("/", { transports: ["websocket"], auth });
  const [socket] = await connected;
  await next(client, "connect");
  return { client, socket };
}

/** "key:metas" per key, sorted: what a list looks like, counted by key. */
function summary(state: PresenceState): string[] {
  return Object.keys(state)
    .map((key) => `${key}:${state[key]!.length}`)
    .sort();
}

/** Resolves once `presence.list()` summarises to `expected` (checked after every join/leave). */
function until(presence: Presence, expected: string[]): Promise<void> {
  return new Promise((resolve) => {
    const check = async (): Promise<void> => {
      if (JSON.stringify(summary(await presence.list())) !== JSON.stringify(expected)) return;
      presence.off("join", check);
      presence.off("leave", check);
      resolve();
    };
    presence.on("join", check);
    presence.on("leave", check);
    check();
  });
}

/** Takes the `presence_diff`s a client receives, in order. */
function diffs(client: ClientSocket): () => Promise<PresenceDiff> {
  const queued: PresenceDiff[] = [];
  const waiting: Array<(diff: PresenceDiff) => void> = [];
  client.on("presence_diff", (diff: PresenceDiff) => {
    const waiter = waiting.shift();
    if (waiter === undefined) queued.push(diff);
    else waiter(diff);
  });
  return () => {
    const diff = queued.shift();
    return diff === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(diff);
  };
}

test("three nodes: every node lists everyone, raises their joins, and sends diffs to its sockets", async () => {
  await using c = await cluster(3);
  const [a, b, n3] = c.servers as [TestServer, TestServer, TestServer];
  const lobbies = c.servers.map((s) => s.io.presence("lobby"));
  const joinsOnC: string[] = [];
  lobbies[2]!.on("join", (key, meta) => joinsOnC.push(`${key}/${meta.device}`));
  const onA = await connect(a);
  const diffOfA = diffs(onA.client);
  const stateOfA = next<[PresenceState]>(onA.client, "presence_state");
  await lobbies[0]!.track(onA.socket, "ada", { device: "web" });
  assert.deepEqual(summary((await stateOfA)[0]), ["ada:1"]);
  const onB = await connect(b);
  await lobbies[1]!.track(onB.socket, "bob", { device: "phone" });
  const onC = await connect(n3);
  await lobbies[2]!.track(onC.socket, "ada", { device: "tablet" });
  for (const lobby of lobbies) await until(lobby, ["ada:2", "bob:1"]);
  const first = await diffOfA();
  assert.deepEqual(Object.keys(first.joins), ["bob"]);
  assert.equal(first.joins.bob![0]!.device, "phone");
  const second = await diffOfA();
  assert.equal(second.joins.ada![0]!.device, "tablet");
  assert.deepEqual(joinsOnC.sort(), ["ada/tablet", "ada/web", "bob/phone"]);
  // A leave on one node reaches the others, as an event and as a diff; the leaving socket gets none.
  const leftOnA = next<[string]>(lobbies[0]!, "leave");
  lobbies[1]!.untrack(onB.socket);
  assert.deepEqual(await leftOnA, ["bob", (await diffOfA()).leaves.bob![0]]);
  for (const lobby of lobbies) await until(lobby, ["ada:2"]);
});

test("a node that joins later gets the others' entries (snapshot) and lists them", async () => {
  const bus = createInProcessCluster();
  await using c = await cluster(2, bus);
  const [a, b] = c.servers as [TestServer, TestServer];
  for (let i = 0; i < 3; i++) await a.io.presence("lobby").track((await connect(a)).socket, `a${i}`);
  await b.io.presence("lobby").track((await connect(b)).socket, "b0");
  await b.io.presence("other").track((await connect(b)).socket, "b1");
  await until(a.io.presence("lobby"), ["a0:1", "a1:1", "a2:1", "b0:1"]);
  const late = await startServer({ adapter: bus.adapter(FAST) });
  c.servers.push(late);
  const lateLobby = late.io.presence("lobby");
  await clusterFormed([adapterOf(late)], 3);
  await until(lateLobby, ["a0:1", "a1:1", "a2:1", "b0:1"]);
  await until(late.io.presence("other"), ["b1:1"]);
  // And the others get the newcomer's entries.
  await lateLobby.track((await connect(late)).socket, "late");
  await until(a.io.presence("lobby"), ["a0:1", "a1:1", "a2:1", "b0:1", "late:1"]);
});

test("a snapshot larger than one part (500 entries) arrives whole", async () => {
  const bus = createInProcessCluster();
  await using c = await cluster(1, bus);
  const [a] = c.servers as [TestServer];
  const table = adapterOf(a).presence;
  for (let i = 0; i < 1203; i++) {
    const room = i % 2 === 0 ? "even" : "odd";
    table.trackLocal(room, { key: `k${i}`, meta: { presence_ref: `r${i}` } });
  }
  const late = await startServer({ adapter: bus.adapter(FAST) });
  c.servers.push(late);
  await clusterFormed([adapterOf(late)], 2);
  const even = late.io.presence("even");
  const odd = late.io.presence("odd");
  await new Promise<void>((resolve) => {
    const check = async (): Promise<void> => {
      const [e, o] = [await even.list(), await odd.list()];
      if (Object.keys(e).length === 602 && Object.keys(o).length === 601) resolve();
    };
    even.on("join", check);
    odd.on("join", check);
    check();
  });
});

test("a node closing takes its entries with it: leave events and diffs on the others", async () => {
  await using c = await cluster(2);
  const [a, b] = c.servers as [TestServer, TestServer];
  const onA = await connect(a);
  const diffOfA = diffs(onA.client);
  await a.io.presence("lobby").track(onA.socket, "ada");
  const onB = await connect(b);
  await b.io.presence("lobby").track(onB.socket, "bob");
  assert.deepEqual(Object.keys((await diffOfA()).joins), ["bob"]);
  await b.close();
  c.servers.splice(1, 1);
  await until(a.io.presence("lobby"), ["ada:1"]);
  assert.deepEqual(Object.keys((await diffOfA()).leaves), ["bob"]);
});

test("a node that dies (no goodbye) loses its entries once the broker says it is gone", async () => {
  const bus: InProcessCluster = createInProcessCluster();
  await using c = await cluster(2, bus);
  const [a, b] = c.servers as [TestServer, TestServer];
  await a.io.presence("lobby").track((await connect(a)).socket, "ada");
  await b.io.presence("lobby").track((await connect(b)).socket, "bob");
  const lobbyA = a.io.presence("lobby");
  await until(lobbyA, ["ada:1", "bob:1"]);
  // The broker forgets b (as Redis forgets a killed process's connections); b sends nothing more.
  const left = next<[string]>(lobbyA, "leave");
  (bus.nodes.get("/") as Set<ClusterAdapter>).delete(adapterOf(b));
  assert.equal((await left)[0], "bob");
  assert.deepEqual(summary(await lobbyA.list()), ["ada:1"]);
  assert.equal(adapterOf(a).membership.has(adapterOf(b).nodeId), false);
});

test("two tabs of one user on two nodes: one key, two metas; one tab closing leaves the other", async () => {
  await using c = await cluster(2);
  const [a, b] = c.servers as [TestServer, TestServer];
  const tab1 = await connect(a);
  const tab2 = await connect(b);
  await a.io.presence("lobby").track(tab1.socket, "ada", { tab: 1 });
  await b.io.presence("lobby").track(tab2.socket, "ada", { tab: 2 });
  await until(a.io.presence("lobby"), ["ada:2"]);
  await until(b.io.presence("lobby"), ["ada:2"]);
  tab2.client.disconnect();
  await until(a.io.presence("lobby"), ["ada:1"]);
  assert.equal((await a.io.presence("lobby").list()).ada![0]!.tab, 1);
});

test("the metas-per-key cap counts the other nodes' metas", async () => {
  await using c = await cluster(2);
  const [a, b] = c.servers as [TestServer, TestServer];
  await a.io.presence("lobby", { maxMetasPerKey: 1 }).track((await connect(a)).socket, "ada");
  const onB = b.io.presence("lobby", { maxMetasPerKey: 1 });
  await until(onB, ["ada:1"]);
  await assert.rejects(onB.track((await connect(b)).socket, "ada"), { code: "ERR_PRESENCE_TOO_MANY_METAS" });
});

test("malformed presence messages are dropped and counted; the table is unchanged", async () => {
  await using c = await cluster(2);
  const [a, b] = c.servers as [TestServer, TestServer];
  await a.io.presence("lobby").track((await connect(a)).socket, "ada");
  const lobbyB = b.io.presence("lobby");
  await until(lobbyB, ["ada:1"]);
  const adapter = adapterOf(b) as unknown as { receive(kind: string, value: unknown): void };
  const before = adapterOf(b).counters.badMessages;
  const uid = adapterOf(a).nodeId;
  const bad: unknown[] = [
    null,
    1,
    "x",
    [],
    { room: "" },
    { room: "lobby", joins: "x" },
    { room: "lobby", joins: [["k"]] },
    { room: "lobby", joins: [["k", { no: "ref" }]] },
    { room: "lobby", joins: [["", { presence_ref: "r" }]] },
    { room: "lobby", joins: [["k", { presence_ref: "r", big: "x".repeat(70_000) }]] },
    { room: "lobby", leaves: [1] },
    { room: 5, joins: [] },
  ];
  for (const presence of bad)
    adapter.receive("request", { uid, type: ClusterMessageType.PRESENCE_DIFF, presence });
  const badSnapshots: unknown[] = [
    null,
    { to: adapterOf(b).nodeId },
    { to: adapterOf(b).nodeId, ask: 1, seq: 0, last: true, rooms: [] },
    { to: adapterOf(b).nodeId, ask: false, seq: -1, last: true, rooms: [] },
    { to: adapterOf(b).nodeId, ask: false, seq: 0, last: true, rooms: [["lobby", [["k", 1]]]] },
    { to: adapterOf(b).nodeId, ask: false, seq: 0, last: true, rooms: {} },
  ];
  for (const presence of badSnapshots)
    adapter.receive("request", { uid, type: ClusterMessageType.PRESENCE_SNAPSHOT, presence });
  assert.equal(adapterOf(b).counters.badMessages - before, bad.length + badSnapshots.length);
  assert.deepEqual(summary(await lobbyB.list()), ["ada:1"]);
  // A leave for a ref its sender does not own changes nothing either.
  const ref = (await lobbyB.list()).ada![0]!.presence_ref;
  adapter.receive("request", {
    uid: "someone",
    type: ClusterMessageType.PRESENCE_DIFF,
    presence: { room: "lobby", leaves: [ref] },
  });
  assert.deepEqual(summary(await lobbyB.list()), ["ada:1"]);
});
