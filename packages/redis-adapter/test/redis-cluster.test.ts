/**
 * A real 3-master Redis Cluster (`test-support/redis-cluster.ts`): the adapter test kit — every cross-node
 * operation on 3 Plexus nodes, node counts included (membership by heartbeat) — in sharded mode
 * (`SSUBSCRIBE`/`SPUBLISH`, channels spread over the masters' slots) and classic mode, with ioredis
 * `Cluster` and node-redis `createCluster` clients. Also: subscriber counts (`PUBSUB NUMSUB` /
 * `SHARDNUMSUB`, used to finish requests early when a node died) are added up over every master, since
 * each master only knows its own subscribers.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { type ClusterTestHarness, clusterFormed, runClusterAdapterSuite } from "@plexus/adapter/test-kit";
import { createAdapter, createShardedAdapter } from "@plexus/redis-adapter";
import type { Socket } from "@plexus/server";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { startRedisCluster, type TestRedisCluster } from "../../../test-support/redis-cluster.js";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";
import { RedisLink } from "../src/redis-link.js";
import type { ClientKind, ClientPair, Mode } from "./helpers.js";

let redis: TestRedisCluster;
before(async () => {
  redis = await startRedisCluster();
});
after(() => redis.stop());

/** Two cluster clients (connected, for node-redis; ioredis connects by itself). */
async function clusterPair(kind: ClientKind, mode: Mode): Promise<ClientPair> {
  if (kind === "ioredis") {
    const make = (): Cluster =>
      new Cluster([...redis.nodes], {
        // ioredis routes SSUBSCRIBE to the slot's owner only with sharded subscribers on.
        shardedSubscribers: mode === "sharded",
        clusterRetryStrategy: () => 100,
        redisOptions: { maxRetriesPerRequest: null },
      });
    const pub = make();
    const sub = make();
    return {
      pub,
      sub,
      async close() {
        pub.disconnect();
        sub.disconnect();
      },
    };
  }
  const pub = createCluster({ rootNodes: redis.nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub,
    async close() {
      await Promise.allSettled([pub.destroy(), sub.destroy()]);
    },
  };
}

async function clusterHarness(kind: ClientKind, mode: Mode, count: number): Promise<ClusterTestHarness> {
  const factory = mode === "classic" ? createAdapter : createShardedAdapter;
  const nodes: Array<{ server: TestServer; clients: ClientPair }> = [];
  for (let i = 0; i < count; i++) {
    const clients = await clusterPair(kind, mode);
    const server = await startServer({
      adapter: factory(clients.pub, clients.sub, { requestsTimeout: 3000 }),
    });
    nodes.push({ server, clients });
  }
  await clusterFormed(
    nodes.map((n) => n.server.io.of("/").adapter as ClusterAdapter),
    count,
  );
  const closeNode = async (n: (typeof nodes)[number]): Promise<void> => {
    await n.server.close();
    await n.clients.close();
  };
  return {
    nodes: nodes.map((n) => ({
      io: n.server.io,
      async connect(nsp = "/") {
        const connected = next<[Socket]>(n.server.io.of(nsp), "connection");
        const client = n.server.client(nsp, { transports: ["websocket"] });
        const [socket] = await connected;
        await next(client, "connect");
        return { client, socket };
      },
      close: () => closeNode(n),
    })),
    async close() {
      await Promise.all(nodes.map(closeNode));
    },
  };
}

for (const kind of ["ioredis", "node-redis"] as const) {
  for (const mode of ["sharded", "classic"] as const) {
    runClusterAdapterSuite({
      name: `Redis Cluster ${mode} (${kind})`,
      start: (n) => clusterHarness(kind, mode, n),
    });
  }
}

for (const kind of ["ioredis", "node-redis"] as const) {
  test(`Redis Cluster (${kind}): subscriber counts are added up over every master`, async () => {
    const channels = Array.from({ length: 12 }, (_, i) => `count-test-${i}`);
    const subscribers = await Promise.all([clusterPair(kind, "sharded"), clusterPair(kind, "sharded")]);
    // ioredis clusters connect by themselves: wait, so that the subscriptions below are sent at once.
    for (const pair of subscribers) {
      for (const client of [pair.pub, pair.sub] as Array<{ status?: string }>) {
        if (client.status !== undefined && client.status !== "ready") await once(client as Cluster, "ready");
      }
    }
    const links = subscribers.map(
      (pair) => new RedisLink(pair.pub, pair.sub, { outageQueueBytes: 1 << 20, outageQueueMaxAge: 10_000 }),
    );
    try {
      const handler = (): void => {};
      // Sharded channels of 12 names land in several slots, so on several masters; classic ones on the
      // node each subscriber connection happens to use.
      await Promise.all(links.map((link) => link.subscribe(channels, "shard", handler)));
      await Promise.all(links.map((link) => link.subscribe(channels, "channel", handler)));
      assert.deepEqual(
        await links[0]!.countSubscribers("SHARDNUMSUB", channels),
        channels.map(() => 2),
      );
      assert.deepEqual(
        await links[0]!.countSubscribers("NUMSUB", channels),
        channels.map(() => 2),
      );
    } finally {
      for (const link of links) link.close();
      await Promise.all(subscribers.map((s) => s.close()));
    }
  });
}
