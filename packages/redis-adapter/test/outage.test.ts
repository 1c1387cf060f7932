/**
 * Failures, with real processes and a real Redis: Redis killed and restarted mid-traffic (no crash, local
 * delivery goes on, cross-node delivery resumes by itself with no duplicate), and a node killed with
 * SIGKILL (requests finish as soon as the broker shows it gone, not after the request timeout).
 * Both client libraries: node A runs ioredis, node B node-redis.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startRedis } from "../../../test-support/redis-server.js";
import { NodeProcess, nextOn } from "./cluster-process.js";

async function formed(nodes: NodeProcess[]): Promise<void> {
  await Promise.all(
    nodes.flatMap((n) => nodes.filter((o) => o !== n).map((o) => n.seen("up", (r) => r.nodeId === o.nodeId))),
  );
}

test("Redis stopped and restarted mid-traffic: local delivery goes on, cross-node delivery resumes, no duplicates", async () => {
  await using redis = await startRedis();
  const [a, b] = await Promise.all([
    NodeProcess.start(redis.url, { kind: "plexus", client: "ioredis" }),
    NodeProcess.start(redis.url, { kind: "plexus", client: "node-redis" }),
  ]);
  try {
    await formed([a, b]);
    const [onA, onB] = await Promise.all([a.connect(), b.connect()]);
    const seenByB: number[] = [];
    onB.on("m", (n: number) => seenByB.push(n));
    const first = nextOn(onB, "m");
    await a.call("emit", [], [], "m", [0]);
    await first;

    await redis.stop();
    // Local delivery never stops: A's own client gets every message, B's own too.
    const localA = new Promise<void>((resolve) => onA.on("m", (n: number) => n === 5 && resolve()));
    for (let i = 1; i <= 5; i++) await a.call("emit", [], [], "m", [i]);
    await localA;
    const localB = nextOn(onB, "local-b");
    await b.call("emit", [], [], "local-b", []);
    await localB;
    const counters = await a.call<{ queued: number }>("counters");
    assert.ok(counters.queued >= 5, `queued ${counters.queued}`);

    // Both nodes announce themselves again once Redis is back and hear their own heartbeat.
    const aBack = a.nextEvent("self");
    const bBack = b.nextEvent("self");
    await redis.start();
    await Promise.all([aBack, bBack]);
    const resumed = new Promise<void>((resolve) => onB.on("m", (n: number) => n === 6 && resolve()));
    await a.call("emit", [], [], "m", [6]);
    await resumed;
    // Each message at most once, in order (those queued during the outage may or may not have made it).
    assert.deepEqual(
      seenByB,
      [...new Set(seenByB)].sort((x, y) => x - y),
    );
    assert.equal(seenByB[0], 0);
    assert.equal(seenByB.at(-1), 6);
    assert.equal(await a.call("serverCount"), 2);
  } finally {
    await Promise.all([a.kill("SIGTERM"), b.kill("SIGTERM")]);
  }
});

test("a node killed with SIGKILL: fetchSockets and serverSideEmitWithAck finish without it, counts drop", async () => {
  await using redis = await startRedis();
  // A long request timeout: finishing at all (not rejecting with ERR_CLUSTER_TIMEOUT) proves it ended early.
  const spec = { kind: "plexus", requestsTimeout: 60_000 } as const;
  const [a, b, c] = await Promise.all([
    NodeProcess.start(redis.url, { ...spec, client: "ioredis" }),
    NodeProcess.start(redis.url, { ...spec, client: "node-redis" }),
    NodeProcess.start(redis.url, { ...spec, client: "ioredis" }),
  ]);
  try {
    await formed([a, b, c]);
    await Promise.all([a.connect(), b.connect(), c.connect()]);
    assert.equal((await a.call<unknown[]>("fetchSockets", [])).length, 3);
    await c.kill("SIGKILL");
    const sockets = await a.call<Array<{ data: { port: number } }>>("fetchSockets", []);
    assert.deepEqual(sockets.map((s) => s.data.port).sort(), [a.port, b.port].sort());
    const answers = await a.call<string[]>("serverSideEmitWithAck", "who", []);
    assert.deepEqual(answers, [`plexus:${b.port}`]);
    assert.equal(await a.call("serverCount"), 2);
  } finally {
    await Promise.all([a.kill("SIGTERM"), b.kill("SIGTERM"), c.kill()]);
  }
});
