/**
 * What makes the demo server one node of a cluster (`npm run start:cluster`, cluster.ts): the Redis
 * adapter (`@plexus/redis-adapter`) for rooms, broadcasts and presence across nodes, and a session router
 * (`DirectSessionRouter`) so a round-robin load balancer needs no sticky sessions. Read from the
 * environment: `REDIS_URL`, `NODE_ID`, `PLEXUS_NODES` (`id=host:port,...`, every node's internal address)
 * and `PLEXUS_ROUTE_SECRET`.
 * Part of the demo (examples/demo), not of the library.
 */
import { DirectSessionRouter, StaticNodeDirectory } from "@plexus/engine";
import { createAdapter } from "@plexus/redis-adapter";
import { createClient } from "redis";

export interface ClusterNode {
  readonly nodeId: string;
  readonly serverOptions: {
    nodeId: string;
    adapter: ReturnType<typeof createAdapter>;
    sessionRouter: DirectSessionRouter;
  };
  /** Opens the router's internal listener on this node's address in `PLEXUS_NODES`. */
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function joinCluster(redisUrl: string, env: NodeJS.ProcessEnv): Promise<ClusterNode> {
  const nodeId = env.NODE_ID ?? "a";
  const entries = (env.PLEXUS_NODES ?? "")
    .split(",")
    .filter(Boolean)
    .map((e) => e.split("=") as [string, string]);
  const directory = new StaticNodeDirectory(Object.fromEntries(entries));
  const own = entries.find(([id]) => id === nodeId)?.[1];
  if (own === undefined) throw new Error(`PLEXUS_NODES names no address for NODE_ID ${nodeId}`);
  const secret = env.PLEXUS_ROUTE_SECRET;
  const router = new DirectSessionRouter(secret === undefined ? { directory } : { directory, secret });

  const pubClient = createClient({ url: redisUrl });
  const subClient = pubClient.duplicate();
  pubClient.on("error", (err: Error) => console.error(`redis (node ${nodeId}):`, err.message));
  subClient.on("error", (err: Error) => console.error(`redis (node ${nodeId}):`, err.message));
  await Promise.all([pubClient.connect(), subClient.connect()]);

  return {
    nodeId,
    serverOptions: { nodeId, adapter: createAdapter(pubClient, subClient), sessionRouter: router },
    async listen() {
      const colon = own.lastIndexOf(":");
      await router.listen({ host: own.slice(0, colon), port: Number(own.slice(colon + 1)) });
    },
    async close() {
      router.close();
      await Promise.all([pubClient.quit(), subClient.quit()]);
    },
  };
}
