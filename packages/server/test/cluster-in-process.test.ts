/**
 * The adapter test kit against the in-process reference cluster: three Plexus servers in this process,
 * joined by `createInProcessCluster()` (the cluster base with a broker that copies messages in memory and
 * routes them per room like a real one).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClusterAdapter, createInProcessCluster } from "@plexus/adapter";
import { clusterFormed, runClusterAdapterSuite } from "@plexus/adapter/test-kit";
import type { Socket } from "@plexus/server";
import { next, startServer, type TestServer } from "./helpers.js";

runClusterAdapterSuite({
  name: "in-process cluster",
  async start(count) {
    const cluster = createInProcessCluster();
    const servers: TestServer[] = [];
    for (let i = 0; i < count; i++) {
      servers.push(await startServer({ adapter: cluster.adapter({ requestsTimeout: 1500 }) }));
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

test("a cluster adapter reports its cross-node traffic through stats() (read by @plexus/metrics)", async () => {
  const cluster = createInProcessCluster();
  const a = await startServer({ adapter: cluster.adapter({ requestsTimeout: 1500 }) });
  const b = await startServer({ adapter: cluster.adapter({ requestsTimeout: 1500 }) });
  try {
    const adapterA = a.io.of("/").adapter as ClusterAdapter;
    const adapterB = b.io.of("/").adapter as ClusterAdapter;
    await clusterFormed([adapterA, adapterB], 2);
    const connected = next<[Socket]>(b.io.of("/"), "connection");
    const client = b.client("/", { transports: ["websocket"] });
    await connected;
    await next(client, "connect");
    const sentBefore = adapterA.stats().messagesSent ?? 0;
    const receivedBefore = adapterB.stats().messagesReceived ?? 0;
    const got = next<[string]>(client, "hello");
    a.io.emit("hello", "from a");
    assert.deepEqual(await got, ["from a"]);
    assert.ok((adapterA.stats().messagesSent ?? 0) > sentBefore);
    assert.ok((adapterB.stats().messagesReceived ?? 0) > receivedBefore);
    assert.equal(adapterA.stats().requestTimeouts, 0);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
