/**
 * Test resources for the Redis adapter: Redis client pairs of both client libraries, and a cluster of
 * Plexus servers in this process (each with its own two Redis connections, so Redis sees separate
 * nodes) shaped as the adapter test kit's harness.
 */
import type { ClusterAdapter } from "@plexus/adapter";
import { type ClusterTestHarness, clusterFormed } from "@plexus/adapter/test-kit";
import { createAdapter, createShardedAdapter, type RedisAdapterOptions } from "@plexus/redis-adapter";
import type { Socket } from "@plexus/server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";

export type ClientKind = "ioredis" | "node-redis";
export type Mode = "classic" | "sharded";

export interface ClientPair {
  readonly pub: object;
  readonly sub: object;
  close(): Promise<void>;
}

/** Two connections to Redis at `url`; node-redis ones are connected (ioredis connects by itself). */
export async function clientPair(kind: ClientKind, url: string): Promise<ClientPair> {
  if (kind === "ioredis") {
    const pub = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    const sub = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    return {
      pub,
      sub,
      async close() {
        pub.disconnect();
        sub.disconnect();
      },
    };
  }
  const pub = createClient({ url, socket: { reconnectStrategy: () => 100 } });
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

export interface RedisNode {
  readonly server: TestServer;
  readonly clients: ClientPair;
  readonly adapter: () => ClusterAdapter;
}

export async function startNode(
  kind: ClientKind,
  mode: Mode,
  url: string,
  opts: RedisAdapterOptions = {},
): Promise<RedisNode> {
  const clients = await clientPair(kind, url);
  const factory = mode === "classic" ? createAdapter : createShardedAdapter;
  const server = await startServer({ adapter: factory(clients.pub, clients.sub, opts) });
  return { server, clients, adapter: () => server.io.of("/").adapter as ClusterAdapter };
}

/** The adapter test kit's harness over Redis. */
export async function redisHarness(
  kind: ClientKind,
  mode: Mode,
  url: string,
  count: number,
): Promise<ClusterTestHarness> {
  const nodes: RedisNode[] = [];
  for (let i = 0; i < count; i++) nodes.push(await startNode(kind, mode, url, { requestsTimeout: 1500 }));
  await clusterFormed(
    nodes.map((n) => n.adapter()),
    count,
  );
  const closeNode = async (n: RedisNode): Promise<void> => {
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
