/**
 * No sticky sessions through the adapter (issue 13, item 1): a server whose main namespace has a cluster
 * adapter installs a session router by itself — over the adapter's broker (default), or direct to the
 * owner's internal listener advertised in the heartbeats (`sessionRouting: { ... }`). The engine adopts the
 * adapter's node id. Two servers of one process on the in-process reference cluster; raw polling bytes.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import {
  type ClusterAdapter,
  type ClusterAdapterOptions,
  ClusterMessageType,
  createInProcessCluster,
  ROUTE_REQUEST_ID,
} from "@plexus/adapter";
import { clusterFormed } from "@plexus/adapter/test-kit";
import { RoutingErrorCodes } from "@plexus/engine";
import { Server } from "@plexus/server";
import { RawPolling, startServer, type TestServer } from "./helpers.js";

async function pair(opts: ClusterAdapterOptions = {}): Promise<[TestServer, TestServer]> {
  const cluster = createInProcessCluster();
  const a = await startServer({ adapter: cluster.adapter(opts) });
  const b = await startServer({ adapter: cluster.adapter(opts) });
  await clusterFormed([adapterOf(a), adapterOf(b)], 2);
  return [a, b];
}

function adapterOf(s: TestServer): ClusterAdapter {
  return s.io.of("/").adapter as unknown as ClusterAdapter;
}

/** Resolves once `check()` holds (checked after each turn of the event loop; 10 s safety net). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met within 10 s");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Opens a session on `owner`, then joins `/` and polls through `other`: the answer comes from the owner. */
async function joinThrough(owner: TestServer, other: TestServer): Promise<string> {
  const onOwner = new RawPolling(owner.port);
  await onOwner.open();
  const viaOther = new RawPolling(other.port);
  viaOther.sid = onOwner.sid;
  const posted = await viaOther.send("40");
  assert.equal(posted.status, 200);
  assert.equal(posted.body, "ok");
  const [connect] = await viaOther.pollMessages();
  assert.match(connect!, /^40\{"sid":"/);
  return (JSON.parse(connect!.slice(2)) as { sid: string }).sid;
}

for (const [mode, opts] of [
  ["channel (default)", {}],
  ["direct", { sessionRouting: { secret: "cluster-secret" } }],
] as const) {
  test(`${mode}: the server installs the router, the engine adopts the adapter's node id`, async () => {
    const [a, b] = await pair(opts);
    try {
      for (const s of [a, b]) {
        assert.equal(s.io.engine.nodeId, adapterOf(s).nodeId);
        assert.notEqual(s.io.engine._router, null);
      }
      if (mode === "direct") {
        const routing = adapterOf(b).sessionRouting()!;
        await until(() => routing.directory.addressOf(adapterOf(a).nodeId) !== undefined);
        assert.match(routing.directory.addressOf(adapterOf(a).nodeId)!, /^127\.0\.0\.1:\d+$/);
      }
      const socketId = await joinThrough(a, b);
      // The Socket.IO session lives on its owner: its socket id names the owner's node.
      assert.ok(socketId.startsWith(adapterOf(a).nodeId));
      assert.ok(a.io.of("/").sockets.has(socketId));
      assert.equal(b.io.of("/").sockets.size, 0);
      const router = b.io.engine._router as unknown as { forwarded: number; failed: number };
      assert.ok(router.forwarded >= 2);
      assert.equal(router.failed, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

test("sessionRouting: false — no router; a foreign sid is unknown, as with socket.io", async () => {
  const [a, b] = await pair({ sessionRouting: false });
  try {
    assert.equal(b.io.engine._router, null);
    const onA = new RawPolling(a.port);
    await onA.open();
    const viaB = new RawPolling(b.port);
    viaB.sid = onA.sid;
    assert.deepEqual(await viaB.poll(), ['HTTP 400 {"code":1,"message":"Session ID unknown"}']);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("io.adapter(cluster) after new Server(): the router is installed then", async () => {
  const cluster = createInProcessCluster();
  const a = await startServer();
  try {
    assert.equal(a.io.engine._router, null);
    a.io.adapter(cluster.adapter());
    assert.notEqual(a.io.engine._router, null);
    assert.equal(a.io.engine.nodeId, adapterOf(a).nodeId);
  } finally {
    await a.close();
  }
});

test("an explicit engine nodeId other than the adapter's is refused with a routing error", () => {
  const cluster = createInProcessCluster();
  assert.throws(
    () => new Server(createServer(), { nodeId: "not-the-adapters", adapter: cluster.adapter() }),
    (err: Error & { code?: string }) => err.code === RoutingErrorCodes.NODE_ID_MISMATCH,
  );
});

test("bad routing messages from the broker are dropped and counted, never thrown", async () => {
  const [a, b] = await pair();
  try {
    const adapter = adapterOf(b) as unknown as {
      receive(kind: string, value: unknown): void;
      sessionRouting(): { dropped: number };
    };
    const routing = adapter.sessionRouting();
    const base = { requestId: ROUTE_REQUEST_ID, type: ClusterMessageType.ROUTE };
    const bad: unknown[] = [
      { ...base },
      { ...base, uid: adapterOf(a).nodeId, data: "not bytes" },
      { ...base, uid: adapterOf(a).nodeId, data: [1, 2, 3] },
      { ...base, uid: "not-a-member", data: new Uint8Array([1]) },
      { ...base, uid: 42, data: new Uint8Array([1]) },
    ];
    for (const value of bad) adapter.receive("response", value);
    assert.equal(routing.dropped, bad.length);
    // Bytes from a member that are no routing message: the router drops them (its own counter).
    const router = b.io.engine._router as unknown as { dropped: number };
    const before = router.dropped;
    for (let i = 0; i < 50; i++) {
      const junk = new Uint8Array(i).map((_, j) => (i * 31 + j * 7) & 0xff);
      adapter.receive("response", { ...base, uid: adapterOf(a).nodeId, data: junk });
    }
    assert.ok(router.dropped > before);
    // The session routing still works afterwards.
    await joinThrough(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
