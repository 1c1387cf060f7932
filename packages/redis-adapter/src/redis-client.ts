/**
 * The Redis clients the application passes in, recognised by their methods (no `instanceof`: any copy of
 * `ioredis` or `redis` works): single-node or cluster clients of either library, and the few loose calls
 * the link and the publisher make on them. Layer: redis-adapter.
 */
/** An `ioredis` `Redis`/`Cluster` or a node-redis (`redis` package) client. */
export type RedisClient = object;

export type Fn = (...args: unknown[]) => unknown;
export interface Loose {
  readonly [key: string]: unknown;
}

export function method(client: RedisClient, name: string): Fn | undefined {
  const fn = (client as Loose)[name];
  return typeof fn === "function" ? (fn as Fn).bind(client) : undefined;
}

export function call(client: RedisClient, name: string, ...args: unknown[]): unknown {
  const fn = method(client, name);
  if (fn === undefined) throw new TypeError(`the Redis client has no ${name}() method`);
  return fn(...args);
}

export function toBuffer(value: unknown): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value as string);
}

/** node-redis clients have camel-cased pub/sub methods (`pSubscribe`); ioredis ones are lower-case. */
export function isNodeRedis(client: RedisClient): boolean {
  return typeof (client as Loose).pSubscribe === "function";
}

/** ioredis `Cluster` (has `nodes(role)`) or node-redis `createCluster` (has `masters` and `nodeClient`). */
export function clusterKind(client: RedisClient): "ioredis" | "node-redis" | undefined {
  const c = client as Loose;
  if (typeof c.nodes === "function" && typeof c.nodeClient !== "function") return "ioredis";
  if (typeof c.nodeClient === "function" && Array.isArray(c.masters)) return "node-redis";
  return undefined;
}

export function isReady(client: RedisClient): boolean {
  const c = client as Loose;
  return c.isReady === true || c.status === "ready";
}
