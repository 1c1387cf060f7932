/**
 * Recovery across nodes while the cluster keeps talking (`cluster-recovery.ts`, "capture"): with
 * `skipMiddlewares: false`, a slow connection middleware runs between the session's restore and the
 * socket joining its rooms; packets sent meanwhile reach the client once, after the replay and before
 * anything newer. Both Redis client libraries (ioredis, node-redis), two nodes in this process behind the
 * round-robin proxy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { createAdapter } from "@plexus/redis-adapter";
import type { Socket } from "@plexus/server";
import { io as officialIo } from "socket.io-client";
import { deferred } from "../../../test-support/deferred.js";
import { startRedis } from "../../../test-support/redis-server.js";
import { RoundRobinProxy } from "../../../test-support/round-robin-proxy.js";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";
import { type ClientKind, type ClientPair, clientPair } from "./helpers.js";
import { collect, nextOn, received } from "./recovery-process.js";

interface Node {
  readonly server: TestServer;
  readonly adapter: ClusterAdapter;
  readonly clients: ClientPair;
}

async function startRecoveryNode(kind: ClientKind, url: string): Promise<Node> {
  const clients = await clientPair(kind, url);
  const server = await startServer({
    adapter: createAdapter(clients.pub, clients.sub),
    connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false },
  });
  const adapter = server.io.of("/").adapter as ClusterAdapter;
  while (adapter.recoveryLog?.applied === undefined) await new Promise((r) => setTimeout(r, 10));
  return { server, adapter, clients };
}

/** Emits from `from` and resolves once every node applied the entries. */
async function emitApplied(
  from: Node,
  nodes: Node[],
  emits: Array<[string, string, unknown]>,
): Promise<void> {
  const targets = nodes.map((n) => n.adapter.recoveryLog!.counters.applied + emits.length);
  for (const [room, event, arg] of emits) from.server.io.to(room).emit(event, arg);
  for (const [i, n] of nodes.entries()) {
    while (n.adapter.recoveryLog!.counters.applied < targets[i]!) await new Promise((r) => setTimeout(r, 5));
  }
}

for (const kind of ["ioredis", "node-redis"] as const satisfies readonly ClientKind[]) {
  test(`${kind}: packets sent while a recovering socket waits in a middleware arrive once, in order`, async () => {
    await using redis = await startRedis();
    const nodes = [await startRecoveryNode(kind, redis.url), await startRecoveryNode(kind, redis.url)];
    const [a, b] = nodes as [Node, Node];
    const proxy = await RoundRobinProxy.start(nodes.map((n) => ({ host: "127.0.0.1", port: n.server.port })));
    const inMiddleware = deferred<void>();
    const gate = deferred<void>();
    for (const n of nodes) {
      n.server.io.use((socket, done) => {
        if (!socket.recovered) done();
        else {
          inMiddleware.resolve();
          gate.promise.then(() => done());
        }
      });
    }
    const client = officialIo(proxy.url, { transports: ["websocket"], reconnection: false, forceNew: true });
    try {
      const got = collect(client);
      const connected = next<[Socket]>(a.server.io, "connection");
      await nextOn(client, "connect");
      const [first] = await connected;
      await first.join("room");
      first.data = { user: "ann" };
      await emitApplied(a, nodes, [["room", "news", 0]]);
      await received(client, got, 1);

      const gone = next(first, "disconnect");
      client.io.engine.close();
      await gone;
      await emitApplied(a, nodes, [
        ["room", "news", 1],
        ["room", "news", 2],
      ]);
      const back = next<[Socket]>(b.server.io, "connection");
      client.connect();
      await inMiddleware.promise;
      await emitApplied(a, nodes, [
        ["room", "news", 3],
        [first.id, "news", 4],
      ]);
      gate.resolve();
      const [second] = await back;
      assert.equal(second.recovered, true);
      assert.equal(second.id, first.id);
      assert.deepEqual(second.data, { user: "ann" });
      await nextOn(client, "connect");
      a.server.io.to("room").emit("news", 5);
      await received(client, got, 6);
      assert.deepEqual(
        got,
        [0, 1, 2, 3, 4, 5].map((n) => ["news", n]),
      );
    } finally {
      client.disconnect();
      await proxy.close();
      for (const n of nodes) {
        await n.server.close();
        await n.clients.close();
      }
    }
  });
}
