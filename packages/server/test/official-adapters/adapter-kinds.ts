/**
 * Inside a test server process: builds the official socket.io adapter a test asked for, over its own
 * broker clients, with the barriers that let the test proceed on facts instead of delays:
 * `ready` (this node's subscriptions are live), `joined` (a room subscription the adapter started on
 * `create-room` is live), and `close`. Each kind imports only its own packages (a process starts faster).
 */
import type { AdapterFactory } from "@plexus/server";
import type { Redis as RedisClient } from "ioredis";

export type AdapterKind = "redis" | "redis-sharded" | "redis-streams" | "postgres" | "cluster";

/** What the test passes to each server process (JSON in `PLEXUS_ADAPTER_NODE`). */
export interface NodeConfig {
  readonly kind: AdapterKind;
  readonly index: number;
  readonly redisPort?: number;
  /** Postgres: table and channel prefix unique to the run. */
  readonly pgPrefix?: string;
  /** Connection state recovery on. */
  readonly recovery?: boolean;
  /** Set the adapter with `io.adapter(...)` after `new Server()` instead of the option. */
  readonly late?: boolean;
}

export interface AdapterKit {
  readonly factory: AdapterFactory;
  /** Resolves once this node's subscriptions are live (other nodes' messages reach it from then on). */
  ready(uid: () => string): Promise<void>;
  /** Resolves once the subscriptions the adapter made for rooms joined so far are live. */
  joined(): Promise<void>;
  /** Resolves once the commands the adapter sent so far on its client are done (streams: SET of a session, XADD). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const nothing = async (): Promise<void> => {};

const HOST = "127.0.0.1";
/** Heartbeats fast enough that membership forms within a test (ClusterAdapterWithHeartbeat). */
const HEARTBEAT = { heartbeatInterval: 500, heartbeatTimeout: 3000 };

export async function buildKit(config: NodeConfig): Promise<AdapterKit> {
  switch (config.kind) {
    case "redis":
      return classicRedis(config);
    case "redis-sharded":
      return shardedRedis(config);
    case "redis-streams":
      return streamsRedis(config);
    case "postgres":
      return postgres(config);
    case "cluster": {
      const { createAdapter } = await import("@socket.io/cluster-adapter");
      return {
        factory: createAdapter(HEARTBEAT),
        ready: nothing,
        joined: nothing,
        flush: nothing,
        close: nothing,
      };
    }
  }
}

async function ioredis(port: number, name?: string): Promise<RedisClient> {
  const { Redis } = await import("ioredis");
  return name === undefined ? new Redis(port, HOST) : new Redis(port, HOST, { connectionName: name });
}

async function classicRedis(config: NodeConfig): Promise<AdapterKit> {
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pub = await ioredis(config.redisPort!);
  const sub = pub.duplicate();
  // The sub connection answers in order: once PING is answered, every SUBSCRIBE sent before it is live.
  const barrier = async (): Promise<void> => {
    await sub.ping();
  };
  return {
    factory: createAdapter(pub, sub),
    ready: barrier,
    joined: barrier,
    flush: nothing,
    close: async () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

async function shardedRedis(config: NodeConfig): Promise<AdapterKit> {
  const { createShardedAdapter } = await import("@socket.io/redis-adapter");
  const { createClient } = await import("redis");
  const pub = createClient({ url: `redis://${HOST}:${config.redisPort}` });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  let probes = 0;
  // SSUBSCRIBE confirmations come back in order on the sub connection: a probe's confirms the ones before.
  const barrier = async (): Promise<void> => {
    const channel = `plexus-probe-${config.index}-${probes++}`;
    await sub.sSubscribe(channel, () => {});
    await sub.sUnsubscribe(channel);
  };
  return {
    factory: createShardedAdapter(pub, sub),
    ready: barrier,
    joined: barrier,
    flush: nothing,
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

async function streamsRedis(config: NodeConfig): Promise<AdapterKit> {
  const { createAdapter } = await import("@socket.io/redis-streams-adapter");
  const name = `plexus-node-${config.index}`;
  // The adapter duplicates this client (same connection name) for its stream reader and its subscriber.
  const client = await ioredis(config.redisPort!, name);
  const admin = await ioredis(config.redisPort!);
  return {
    factory: createAdapter(client),
    // Live once Redis shows this node's reader blocked in XREAD and its subscriber on both channels.
    async ready(uid) {
      for (;;) {
        const [clients, numsub] = await Promise.all([
          admin.client("LIST") as Promise<string>,
          admin.pubsub("NUMSUB", `socket.io#/#${uid()}#`) as Promise<[string, number]>,
        ]);
        const mine = clients.split("\n").filter((line) => line.includes(` name=${name} `));
        if (mine.some((line) => line.includes(" cmd=xread ")) && Number(numsub[1]) > 0) return;
      }
    },
    joined: nothing,
    flush: async () => {
      await client.ping();
    },
    close: async () => {
      await client.ping();
      client.disconnect();
      admin.disconnect();
    },
  };
}

async function postgres(config: NodeConfig): Promise<AdapterKit> {
  const { createAdapter } = await import("@socket.io/postgres-adapter");
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ host: HOST, port: 5432, user: "postgres", database: "test", max: 4 });
  return {
    factory: createAdapter(pool, {
      tableName: `${config.pgPrefix}_attachments`,
      channelPrefix: config.pgPrefix!,
      ...HEARTBEAT,
    }),
    // Membership (heard from every other node) implies a live LISTEN: the test waits for serverCount.
    ready: nothing,
    joined: nothing,
    flush: nothing,
    close: async () => {
      await pool.end();
    },
  };
}
