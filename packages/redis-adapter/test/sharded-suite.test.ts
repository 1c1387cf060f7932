/**
 * The adapter test kit over a real Redis in sharded mode (`createShardedAdapter`, SSUBSCRIBE), with ioredis and with
 * node-redis clients: every cross-node operation on 3 nodes.
 */
import { after, before } from "node:test";
import { runClusterAdapterSuite } from "@plexus/adapter/test-kit";
import { startRedis, type TestRedis } from "../../../test-support/redis-server.js";
import { redisHarness } from "./helpers.js";

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

runClusterAdapterSuite({
  name: "redis sharded (ioredis)",
  start: (n) => redisHarness("ioredis", "sharded", redis.url, n),
});
runClusterAdapterSuite({
  name: "redis sharded (node-redis)",
  start: (n) => redisHarness("node-redis", "sharded", redis.url, n),
});
