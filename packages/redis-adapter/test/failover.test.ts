/**
 * Redis going away and coming back, with both client libraries:
 * - a silent failover (the subscriber connection stays open but carries nothing, through a proxy that
 *   black-holes it): the node notices it no longer hears its own heartbeat and forces its subscriber to
 *   reconnect — ioredis and node-redis alike — and cross-node delivery to it comes back;
 * - a Redis restart: how long until cross-node delivery resumes, measured and printed (the bound asserted
 *   is only a safety net; the figure is "within 10 s").
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { clusterFormed } from "@plexus/adapter/test-kit";
import { createAdapter } from "@plexus/redis-adapter";
import type { Socket } from "@plexus/server";
import type { Socket as ClientSocket } from "socket.io-client";
import { BlackholeProxy } from "../../../test-support/blackhole-proxy.js";
import { startRedis } from "../../../test-support/redis-server.js";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";
import { type ClientKind, type ClientPair, clientPair } from "./helpers.js";

const SAFETY_NET_MS = 30_000;
const FAST_HEARTBEAT = { heartbeatInterval: 250, heartbeatTimeout: 1000 };

interface Node {
  readonly server: TestServer;
  readonly adapter: ClusterAdapter;
  close(): Promise<void>;
}

/** A Plexus node whose publisher talks to `pubUrl` and subscriber to `subUrl`. */
async function startNode(kind: ClientKind, pubUrl: string, subUrl: string, opts = {}): Promise<Node> {
  const pubs = await clientPair(kind, pubUrl);
  const subs: ClientPair = subUrl === pubUrl ? pubs : await clientPair(kind, subUrl);
  const server = await startServer({ adapter: createAdapter(pubs.pub, subs.sub, opts) });
  return {
    server,
    adapter: server.io.of("/").adapter as ClusterAdapter,
    async close() {
      await server.close();
      await pubs.close();
      if (subs !== pubs) await subs.close();
    },
  };
}

async function connectClient(node: Node): Promise<{ client: ClientSocket; socket: Socket }> {
  const connected = next<[Socket]>(node.server.io, "connection");
  const client = node.server.client("/", { transports: ["websocket"] });
  const [socket] = await connected;
  await next(client, "connect");
  return { client, socket };
}

/**
 * Emits `event` from `from` to the socket `to` every 100 ms until `client` gets one; resolves with the time
 * that took (ms). Polling is the point here: delivery is lost until the path is back.
 */
async function timeUntilDelivered(
  from: Node,
  to: Socket,
  client: ClientSocket,
  event: string,
): Promise<number> {
  const start = performance.now();
  return new Promise<number>((resolve, reject) => {
    const send = (): void => {
      from.server.io.to(to.id).emit(event);
    };
    const timer = setInterval(send, 100);
    const safety = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no "${event}" within ${SAFETY_NET_MS} ms`));
    }, SAFETY_NET_MS);
    client.once(event, () => {
      clearInterval(timer);
      clearTimeout(safety);
      resolve(performance.now() - start);
    });
    send();
  });
}

for (const kind of ["ioredis", "node-redis"] as const satisfies readonly ClientKind[]) {
  test(`${kind}: a silent subscriber connection is noticed and reconnected; delivery to the node comes back`, async () => {
    await using redis = await startRedis();
    const proxy = await BlackholeProxy.start(redis.port);
    const silent = await startNode(kind, redis.url, proxy.url, FAST_HEARTBEAT);
    const other = await startNode(kind, redis.url, redis.url, FAST_HEARTBEAT);
    try {
      await clusterFormed([silent.adapter, other.adapter], 2);
      const { client, socket } = await connectClient(silent);
      const room = socket.join("r");
      if (room instanceof Promise) await room;
      await timeUntilDelivered(other, socket, client, "before");

      const resets = silent.adapter.counters.subscriberResets;
      const accepted = proxy.accepted;
      // The subscriber (and the unused second connection of its pair) go silent.
      assert.equal(proxy.blackhole(), 2);
      const took = await timeUntilDelivered(other, socket, client, "after");
      console.log(`# ${kind}: delivery back ${Math.round(took)} ms after the subscriber went silent`);
      assert.ok(silent.adapter.counters.subscriberResets > resets, "the subscriber was reset");
      assert.ok(proxy.accepted > accepted, "the subscriber connected again");
      // Every subscription came back: the room channel and the node's own-sockets pattern.
      const toRoom = next(client, "room-after");
      other.server.io.to("r").emit("room-after");
      await toRoom;
    } finally {
      await silent.close();
      await other.close();
      await proxy.close();
    }
  });
}

test("Redis restarted: cross-node delivery resumes both ways (ioredis ↔ node-redis), time printed", async () => {
  await using redis = await startRedis();
  const a = await startNode("ioredis", redis.url, redis.url);
  const b = await startNode("node-redis", redis.url, redis.url);
  try {
    await clusterFormed([a.adapter, b.adapter], 2);
    const onA = await connectClient(a);
    const onB = await connectClient(b);
    await timeUntilDelivered(a, onB.socket, onB.client, "warm");

    await redis.stop();
    await redis.start();
    const [toB, toA] = await Promise.all([
      timeUntilDelivered(a, onB.socket, onB.client, "resumed"),
      timeUntilDelivered(b, onA.socket, onA.client, "resumed"),
    ]);
    console.log(
      `# cross-node delivery resumed ${Math.round(toB)} ms (ioredis → node-redis) and ${Math.round(toA)} ms ` +
        "(node-redis → ioredis) after Redis accepted connections again",
    );
    assert.ok(Math.max(toA, toB) < SAFETY_NET_MS);
  } finally {
    await a.close();
    await b.close();
  }
});
