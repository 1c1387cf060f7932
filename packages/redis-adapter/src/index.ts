/**
 * @plexus/redis-adapter — Plexus nodes (and socket.io nodes running `@socket.io/redis-adapter`) joined
 * through Redis. Same entry points, signatures, options and defaults as `@socket.io/redis-adapter`:
 *
 * @example
 * import { createClient } from "redis";
 * import { Server } from "@plexus/server";
 * import { createAdapter } from "@plexus/redis-adapter";
 *
 * const pubClient = createClient({ url: "redis://localhost:6379" });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 */
import {
  type AdapterConstructor,
  type AdapterNamespace,
  type ClusterAdapterOptions,
  newNodeId,
} from "@plexus/adapter";
import { RedisAdapter, type RedisAdapterSettings } from "./redis-adapter.js";
import { defaultParser, type RedisParser } from "./redis-codec.js";
import { type RedisClient, RedisLink } from "./redis-link.js";

export { MsgpackError } from "./msgpack-decoder.js";
export { RedisAdapter } from "./redis-adapter.js";
export type { RedisParser } from "./redis-codec.js";
export type { RedisClient } from "./redis-link.js";

/** What both modes accept besides their own options. */
export interface PlexusRedisOptions extends ClusterAdapterOptions {
  /** Most bytes of cross-node messages kept while Redis is unreachable. Default 8 MiB. */
  readonly outageQueueBytes?: number;
  /** Oldest a queued message may be when Redis comes back, ms. Default 10000. */
  readonly outageQueueMaxAge?: number;
  /** Messages received larger than this are dropped and counted (`counters.badMessages`). Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/** Options of `createAdapter` (those of `@socket.io/redis-adapter`, plus Plexus's). */
export interface RedisAdapterOptions extends PlexusRedisOptions {
  /** Channel prefix. Default `"socket.io"`. */
  readonly key?: string;
  /** MessagePack encoder/decoder for broadcasts and binary requests. Default: notepack.io-compatible. */
  readonly parser?: RedisParser;
  /**
   * Accepted for compatibility. Plexus nodes always answer on the requester's own response channel
   * (socket.io nodes listen there too), so responses never go to every node.
   */
  readonly publishOnSpecificResponseChannel?: boolean;
}

/** Options of `createShardedAdapter` (those of `@socket.io/redis-adapter`'s sharded adapter, plus Plexus's). */
export interface ShardedRedisAdapterOptions extends PlexusRedisOptions {
  /** Channel prefix. Default `"socket.io"`. */
  readonly channelPrefix?: string;
  /**
   * `dynamic` (default): a channel per room, subscribed while this node holds sockets in it (a socket's
   * own room goes to its node's channel); `dynamic-private`: the same (private rooms are always routed to
   * their node); `static`: every broadcast on the namespace channel.
   */
  readonly subscriptionMode?: "static" | "dynamic" | "dynamic-private";
  readonly parser?: RedisParser;
}

/** One node: its Redis link and id, shared by the adapters of all its namespaces. */
function nodeFactory(
  pub: RedisClient,
  sub: RedisClient,
  opts: PlexusRedisOptions & { readonly parser?: RedisParser },
  mode: RedisAdapterSettings["mode"],
  prefix: string,
  perRoom: boolean,
): AdapterConstructor {
  const link = new RedisLink(pub, sub, {
    outageQueueBytes: opts.outageQueueBytes ?? 8 * 1024 * 1024,
    outageQueueMaxAge: opts.outageQueueMaxAge ?? 10_000,
  });
  const nodeId = newNodeId();
  const settings: RedisAdapterSettings = {
    ...opts,
    mode,
    prefix,
    parser: opts.parser ?? defaultParser,
    perRoom,
    maxMessageBytes: opts.maxMessageBytes ?? 16 * 1024 * 1024,
  };
  // A plain function, callable with `new` (as socket.io's factory): `new X(nsp)` returns the adapter.
  return function redisAdapter(nsp: AdapterNamespace) {
    return new RedisAdapter(nsp, link, nodeId, settings);
  } as unknown as AdapterConstructor;
}

/**
 * The adapter factory for `new Server(http, { adapter })` or `io.adapter(...)`: one node, Redis pub/sub,
 * wire-compatible with `@socket.io/redis-adapter` (classic). `pubClient` and `subClient` are two
 * connections (ioredis or node-redis), connected or still connecting; `subClient` is put in subscriber mode.
 */
export function createAdapter(
  pubClient: RedisClient,
  subClient: RedisClient,
  opts: RedisAdapterOptions = {},
): AdapterConstructor {
  return nodeFactory(pubClient, subClient, opts, "classic", opts.key ?? "socket.io", true);
}

/** Same with Redis 7 sharded pub/sub (`SSUBSCRIBE`/`SPUBLISH`), for Redis Cluster deployments. */
export function createShardedAdapter(
  pubClient: RedisClient,
  subClient: RedisClient,
  opts: ShardedRedisAdapterOptions = {},
): AdapterConstructor {
  const perRoom = opts.subscriptionMode !== "static";
  return nodeFactory(pubClient, subClient, opts, "sharded", opts.channelPrefix ?? "socket.io", perRoom);
}
