/**
 * `@socket.io/redis-adapter` (classic, and sharded on Redis 7) between three Plexus server processes, and
 * `@socket.io/redis-emitter` publishing to them: the cross-node suite (cross-node-suite.ts) against a
 * private redis-server.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import { barrier, crossNodeSuite, type SuiteContext } from "./cross-node-suite.js";
import { nextEvent, nextReport, type RedisProcess, startRedis } from "./harness.js";

let redis: RedisProcess | undefined;
let emitterClient: Redis | undefined;
const setUp = async (): Promise<void> => {
  redis = await startRedis();
};
const tearDown = async (): Promise<void> => {
  emitterClient?.disconnect();
  await redis?.stop();
};

function emitterTests(context: () => SuiteContext): void {
  const emitter = (): Emitter => {
    emitterClient ??= new Redis(redis!.port, "127.0.0.1");
    return new Emitter(emitterClient);
  };

  test("the redis-emitter's broadcasts reach the clients of every Plexus node: all, a room, binary", async () => {
    const ctx = context();
    const [c0, c1, c2] = ctx.clients;
    emitter().emit("from-emitter", { n: 1 });
    for (const c of ctx.clients) assert.deepEqual(await c.waitFor("from-emitter"), [{ n: 1 }]);
    emitter()
      .to("room-a")
      .emit("emitter-room", Buffer.from([4, 5]));
    for (const c of [c1!, c2!]) {
      const [payload] = (await c.waitFor("emitter-room")) as [ArrayBuffer];
      assert.deepEqual([...new Uint8Array(payload)], [4, 5]);
    }
    await barrier(ctx, 0);
    assert.equal(c0!.got("emitter-room").length, 0);
  });

  test("the redis-emitter's serverSideEmit, socketsJoin and disconnectSockets reach the Plexus nodes", async () => {
    const { cluster, clients } = context();
    const heard = cluster.nodes.map((n) => nextReport<{ args: unknown[] }>(n, "serverSideEvent"));
    emitter().serverSideEmit("notice", "from the emitter");
    for (const report of await Promise.all(heard)) assert.deepEqual(report.args, ["from the emitter"]);

    emitter().in(clients[1]!.socket.id!).socketsJoin("room-e");
    assert.equal(await cluster.nodes[1]!.call("awaitRoom", { room: "room-e", count: 1 }), 1);

    const reason = nextEvent<[string]>(clients[1]!.socket, "disconnect");
    emitter().in("room-e").disconnectSockets();
    assert.equal((await reason)[0], "io server disconnect");
    const left = await cluster.nodes[0]!.call<Array<{ id: string }>>("fetchSockets");
    assert.deepEqual(left.map((s) => s.id).sort(), [clients[0]!.socket.id, clients[2]!.socket.id].sort());
  });
}

crossNodeSuite(
  "@socket.io/redis-adapter (classic, set with io.adapter() after new Server()) and @socket.io/redis-emitter",
  () => ({ kind: "redis", redisPort: redis!.port, late: true }),
  { setUp, tearDown, more: emitterTests },
);

crossNodeSuite(
  "@socket.io/redis-adapter (sharded)",
  () => ({ kind: "redis-sharded", redisPort: redis!.port }),
  {
    setUp,
    tearDown,
  },
);
