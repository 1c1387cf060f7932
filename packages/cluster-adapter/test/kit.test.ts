/**
 * The adapter test kit against `@plexus/cluster-adapter`: three servers, each in its own (virtual)
 * node:cluster worker joined through the real primary relay, with both IPC serializations (`json`: the
 * cluster message as base64 MessagePack; `advanced`: as bytes). The same guarantees as the Redis adapter.
 * Real worker processes: cluster-workers.test.ts.
 */
import type { ClusterAdapter } from "@plexus/adapter";
import { clusterFormed, runClusterAdapterSuite } from "@plexus/adapter/test-kit";
import type { Socket } from "@plexus/server";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";
import { VirtualCluster } from "./virtual-cluster.js";

for (const binary of [false, true]) {
  runClusterAdapterSuite({
    name: `cluster adapter over IPC (${binary ? "advanced" : "json"} serialization)`,
    async start(count) {
      const cluster = new VirtualCluster(binary);
      const servers: TestServer[] = [];
      for (let i = 0; i < count; i++) {
        const worker = cluster.fork();
        servers.push(await startServer({ adapter: worker.adapter({ requestsTimeout: 1500 }) }));
      }
      await clusterFormed(
        servers.map((s) => s.io.of("/").adapter as ClusterAdapter),
        count,
      );
      return {
        nodes: servers.map((s) => ({
          io: s.io,
          async connect(nsp = "/") {
            const connected = next<[Socket]>(s.io.of(nsp), "connection");
            const client = s.client(nsp, { transports: ["websocket"] });
            const [socket] = await connected;
            await next(client, "connect");
            return { client, socket };
          },
          close: () => s.close(),
        })),
        async close() {
          await Promise.all(servers.map((s) => s.close()));
        },
      };
    },
  });
}
