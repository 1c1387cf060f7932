/**
 * `@socket.io/redis-streams-adapter` between three Plexus server processes with connection state recovery
 * on: the cross-node suite (cross-node-suite.ts), and a client that disconnects from one node and recovers
 * its session (same id, rooms, missed broadcasts) on another, as socket.io does with this adapter.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crossNodeSuite, Recorder, type SuiteContext } from "./cross-node-suite.js";
import { nextEvent, nextReport, type RedisProcess, startRedis } from "./harness.js";

let redis: RedisProcess | undefined;

interface Connection {
  id: string;
  recovered: boolean;
  pid: string | null;
}

function recoveryTests(context: () => SuiteContext): void {
  test("a session left on one node is recovered on another: same id, rooms and the broadcasts it missed", async () => {
    const { cluster } = context();
    const [node0, node1, node2] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const connected = nextReport<Connection>(node0, "connection");
    const first = new Recorder(await cluster.connect(0), { offsets: true, abort: cluster.failed });
    const session = await connected;
    assert.equal(session.recovered, false);
    assert.ok(session.pid !== null);
    await first.socket.timeout(10_000).emitWithAck("join", "room-r");

    await node1.call("emit", { rooms: ["room-r"], event: "before", args: [1] });
    assert.deepEqual(await first.waitFor("before"), [1]);
    const offset = first.lastOffset;
    assert.ok(offset !== undefined, "events carry an offset");

    // The transport closes under the socket: node 0 keeps the session (in Redis, with the adapter's SET).
    const left = nextReport<{ id: string; reason: string }>(node0, "disconnect");
    first.socket.io.engine.close();
    assert.deepEqual(await left, { id: session.id, reason: "transport close" });
    await node0.call("flush");

    await node1.call("emit", { rooms: ["room-r"], event: "missed", args: ["while away"] });
    await node2.call("emit", { event: "missed", args: [{ to: "all" }] });
    await node1.call("emit", { rooms: ["elsewhere"], event: "not-for-it" });
    await Promise.all([node1.call("flush"), node2.call("flush")]);

    const recovered = nextReport<Connection>(node2, "connection");
    const again = new Recorder(cluster.client(2, { auth: { pid: session.pid, offset } }), {
      offsets: true,
      abort: cluster.failed,
    });
    await nextEvent(again.socket, "connect");
    assert.deepEqual(await recovered, { id: session.id, recovered: true, pid: session.pid });
    assert.equal(again.socket.id, session.id);
    assert.deepEqual(again.got("missed"), [["while away"], [{ to: "all" }]]);
    assert.equal(again.got("not-for-it").length, 0);
    assert.equal(again.got("before").length, 0);

    // Its rooms came back with it, on the new node.
    await node0.call("emit", { rooms: ["room-r"], event: "after" });
    assert.deepEqual(await again.waitFor("after"), []);
  });

  test("an unknown session is not recovered: the client gets a new socket", async () => {
    const { cluster } = context();
    const connected = nextReport<Connection>(cluster.nodes[1]!, "connection");
    const socket = await cluster.connect(1, { auth: { pid: "unknown-pid", offset: "1-0" } });
    const found = await connected;
    assert.equal(found.recovered, false);
    assert.equal(socket.id, found.id);
    assert.notEqual(found.pid, "unknown-pid");
  });
}

crossNodeSuite(
  "@socket.io/redis-streams-adapter, with connection state recovery",
  () => ({ kind: "redis-streams", redisPort: redis!.port, recovery: true }),
  {
    setUp: async () => {
      redis = await startRedis();
    },
    tearDown: async () => {
      await redis?.stop();
    },
    more: recoveryTests,
  },
);
