/**
 * What reaches a worker or the primary over IPC is untrusted: malformed envelopes, bad MessagePack,
 * oversize messages and random values are dropped and counted, never thrown, and the cluster keeps
 * working. A worker that exits is reported gone at once; session routing works over the relay.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { clusterFormed } from "@plexus/adapter/test-kit";
import { encodeMsgpack } from "@plexus/protocol";
import type { Socket } from "@plexus/server";
import fc from "fast-check";
import { next, RawPolling, startServer, type TestServer } from "../../server/test/helpers.js";
import { SOURCE } from "../src/ipc-wire.js";
import { VirtualCluster, type VirtualWorker } from "./virtual-cluster.js";

async function trio(binary = false): Promise<{
  cluster: VirtualCluster;
  workers: VirtualWorker[];
  servers: TestServer[];
  adapters: ClusterAdapter[];
}> {
  const cluster = new VirtualCluster(binary);
  const workers = [cluster.fork(), cluster.fork(), cluster.fork()];
  const servers: TestServer[] = [];
  for (const w of workers) servers.push(await startServer({ adapter: w.adapter({ requestsTimeout: 2000 }) }));
  const adapters = servers.map((s) => s.io.of("/").adapter as unknown as ClusterAdapter);
  await clusterFormed(adapters, 3);
  return { cluster, workers, servers, adapters };
}

/** One round trip through every node: the cluster still answers. */
async function stillWorks(servers: TestServer[]): Promise<void> {
  const connected = next<[Socket]>(servers[2]!.io, "connection");
  const client = servers[2]!.client("/", { transports: ["websocket"] });
  await connected;
  await next(client, "connect");
  const got = next<[string]>(client, "hello");
  servers[0]!.io.emit("hello", "from 0");
  assert.deepEqual(await got, ["from 0"]);
  assert.equal((await servers[1]!.io.fetchSockets()).length, 1);
  client.disconnect();
}

test("a worker drops malformed envelopes and bad MessagePack, counted, never thrown", async () => {
  const { workers, servers, adapters } = await trio();
  try {
    const from = adapters[0]!.nodeId;
    const target = workers[1]!;
    const linkBefore = target.link.badMessages;
    const adapterBefore = adapters[1]!.counters.badMessages;
    const malformed: unknown[] = [
      { source: SOURCE },
      { source: SOURCE, from, to: null, nsp: "/", kind: 7, data: "" },
      { source: SOURCE, from: "bad id!", to: null, nsp: "/", kind: 0, data: "" },
      { source: SOURCE, from, to: 5, nsp: "/", kind: 0, data: "" },
      { source: SOURCE, from, to: null, nsp: "/", kind: 0, data: { type: "Buffer", data: [1] } },
    ];
    for (const m of malformed) target.inject(m);
    assert.equal(target.link.badMessages - linkBefore, malformed.length);
    const badPayloads: unknown[] = [
      "",
      "////",
      Buffer.from([0xc1]).toString("base64"),
      Buffer.from([0x92, 0x01]).toString("base64"),
      Buffer.alloc(20 * 1024 * 1024).toString("base64"),
    ];
    for (const data of badPayloads)
      target.inject({ source: SOURCE, from, to: null, nsp: "/", kind: 1, data });
    assert.equal(adapters[1]!.counters.badMessages - adapterBefore, badPayloads.length);
    // Well-formed MessagePack of wrong shapes: the cluster base's checks drop them.
    for (let kind = 0; kind < 3; kind++) {
      const data = Buffer.from(encodeMsgpack({ nonsense: [1, 2, 3] })).toString("base64");
      target.inject({ source: SOURCE, from, to: null, nsp: "/", kind, data });
    }
    assert.ok(adapters[1]!.counters.badMessages - adapterBefore >= badPayloads.length + 2);
    // Not Plexus traffic at all: ignored (the application's own messages).
    for (const m of [null, 1, "x", { cmd: "app" }, [SOURCE]]) target.inject(m);
    await stillWorks(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test("random values from the primary never throw (property)", async () => {
  const { workers, servers, adapters } = await trio(true);
  try {
    // The relay told each worker its channel is advanced: envelopes carry bytes, not base64.
    for (const w of workers) assert.equal((w.link as unknown as { binary: boolean }).binary, true);
    const from = adapters[0]!.nodeId;
    fc.assert(
      fc.property(
        fc.anything(),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: -1, max: 3 }),
        (value, bytes, kind) => {
          workers[1]!.inject(value);
          workers[1]!.inject({ source: SOURCE, from, to: null, nsp: "/", kind, data: bytes });
          workers[1]!.inject({ source: SOURCE, ...(value as object) });
        },
      ),
      { seed: 13, numRuns: 300 },
    );
    await stillWorks(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test("the primary drops malformed envelopes and those for unknown nodes", () => {
  const cluster = new VirtualCluster();
  const sent: unknown[] = [];
  const worker = { isConnected: () => true, send: (m: unknown) => sent.push(m) };
  const other = { isConnected: () => true, send: (m: unknown) => sent.push(m) };
  cluster.relay.add(worker);
  cluster.relay.add(other);
  for (const m of [{ source: SOURCE }, { source: SOURCE, from: "a", to: null, nsp: 1, kind: 0, data: "" }])
    cluster.relay.onMessage(worker, m);
  cluster.relay.onMessage(worker, { source: SOURCE, from: "a", to: "nobody", nsp: "/", kind: 2, data: "" });
  cluster.relay.onMessage(worker, { cmd: "application message" });
  assert.equal(cluster.relay.dropped, 3);
  // Nothing relayed; the worker of node "a" (seen for the first time) was told its serialization.
  assert.deepEqual(sent, [{ source: SOURCE, serialization: "json" }]);
  cluster.relay.onMessage(worker, { source: SOURCE, from: "a", to: null, nsp: "/", kind: 0, data: "" });
  assert.equal(sent.length, 2);
  assert.equal((sent[1] as { from?: string }).from, "a");
});

test("a worker exits: its node is gone at once on the others (no heartbeat timeout)", async () => {
  const { workers, servers, adapters } = await trio();
  try {
    const gone = next<[string]>(adapters[1]!.membership, "down");
    workers[0]!.exit();
    assert.deepEqual(await gone, [adapters[0]!.nodeId]);
    assert.equal(await servers[1]!.io.of("/").adapter.serverCount(), 2);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test("session routing over IPC: a poll reaching another worker is served by the owner", async () => {
  const { servers, adapters } = await trio();
  try {
    const onOwner = new RawPolling(servers[0]!.port);
    await onOwner.open();
    assert.ok(onOwner.sid.endsWith(`.${adapters[0]!.nodeId}`));
    const elsewhere = new RawPolling(servers[2]!.port);
    elsewhere.sid = onOwner.sid;
    assert.equal((await elsewhere.send("40")).body, "ok");
    const [connect] = await elsewhere.pollMessages();
    assert.match(connect!, new RegExp(`^40\\{"sid":"${adapters[0]!.nodeId}`));
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});
