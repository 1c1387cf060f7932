/**
 * What makes the demo server one node of a cluster (`npm run start:cluster`, cluster.ts): the Redis
 * adapter (`@plexus/redis-adapter`) for rooms, broadcasts and presence across nodes. It also routes a
 * request that reaches a node other than its session's owner (the server installs the adapter's session
 * router), so a round-robin load balancer needs no sticky sessions; here directly to the owner's internal
 * listener (127.0.0.1, a free port, advertised in the adapter's heartbeats).
 * Part of the demo (examples/demo), not of the library.
 */
import { createAdapter } from "@plexus/redis-adapter";
import { createClient } from "redis";

export interface ClusterNode {
  readonly adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

/** Connects to Redis at `redisUrl`; `label` names the node in its error messages. */
export async function joinCluster(redisUrl: string, label: string): Promise<ClusterNode> {
  const pubClient = createClient({ url: redisUrl });
  const subClient = pubClient.duplicate();
  pubClient.on("error", (err: Error) => console.error(`redis (node ${label}):`, err.message));
  subClient.on("error", (err: Error) => console.error(`redis (node ${label}):`, err.message));
  await Promise.all([pubClient.connect(), subClient.connect()]);
  return {
    adapter: createAdapter(pubClient, subClient, { sessionRouting: {} }),
    async close() {
      await Promise.all([pubClient.quit(), subClient.quit()]);
    },
  };
}
