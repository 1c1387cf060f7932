/**
 * `@socket.io/admin-ui` (the real package) on a Plexus cluster: two servers joined by `@plexus/redis-adapter`
 * on a real redis-server, both instrumented, the official client on one node's `/admin` namespace as the
 * admin UI would. What crosses nodes: the socket list (`fetchSockets`), the live socket, room and event
 * updates and each node's server stats (broadcasts on `/admin`), and the UI's commands on sockets of the
 * other node (emit to a room, `socketsJoin`, `disconnectSockets`). The single-node test is
 * packages/server/test/admin-ui.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { clusterFormed } from "@plexus/adapter/test-kit";
import { instrument } from "@socket.io/admin-ui";
import type { Server as SocketIoServer } from "socket.io";
import { startRedis } from "../../../test-support/redis-server.js";
import { next } from "../../server/test/helpers.js";
import { type RedisNode, startNode } from "./helpers.js";

interface SerializedSocket {
  id: string;
  nsp: string;
  transport: string;
  data: Record<string, unknown>;
  rooms: string[];
}

interface AdminServerStats {
  serverId: string;
  clientsCount: number;
  namespaces: { name: string; socketsCount: number }[];
}

test("admin-ui on a 2-node Redis cluster: sockets, updates, stats and commands across nodes", async () => {
  await using redis = await startRedis();
  const nodes: RedisNode[] = [];
  try {
    for (let i = 0; i < 2; i++) nodes.push(await startNode("node-redis", "classic", redis.url));
    const [one, two] = nodes as [RedisNode, RedisNode];
    for (const [i, node] of nodes.entries()) {
      instrument(node.server.io as unknown as SocketIoServer, {
        auth: false,
        mode: "development",
        serverId: `node-${i + 1}`,
      });
      node.server.io.on("connection", (socket) => {
        socket.data.node = i + 1;
        socket.on("hello", (ack: (reply: string) => void) => ack(`hi from node ${i + 1}`));
      });
    }
    await clusterFormed([one.adapter(), two.adapter()], 2);
    // The /admin namespace has its own adapter (one per namespace), which must see both nodes too.
    const adminAdapter = (node: RedisNode) => node.server.io.of("/admin").adapter as ClusterAdapter;
    await clusterFormed([adminAdapter(one), adminAdapter(two)], 2);

    // A user on node 2 before the admin UI connects to node 1: listed through fetchSockets.
    const early = two.server.client("/", { transports: ["websocket"] });
    await next(early, "connect");
    const admin = one.server.client("/admin", { transports: ["websocket"] });
    const allSockets = next<[SerializedSocket[]]>(admin, "all_sockets");
    await next(admin, "connect");
    const listed = (await allSockets)[0].find((s) => s.id === early.id);
    assert.ok(listed !== undefined, "node 2's socket is listed by node 1's admin namespace");
    assert.deepEqual(listed.data, { node: 2 });
    assert.equal(listed.transport, "websocket");

    // Each node's stats reach the admin UI (one /admin broadcast per node every 2 s).
    const serverIds = new Set<string>();
    await new Promise<void>((resolve) => {
      admin.on("server_stats", (stats: AdminServerStats) => {
        serverIds.add(stats.serverId);
        if (serverIds.size === 2) resolve();
      });
    });
    assert.deepEqual([...serverIds].sort(), ["node-1", "node-2"]);

    // Live updates from node 2: a new socket, its events, a room it joins.
    const connected = new Promise<SerializedSocket>((resolve) => {
      admin.on("socket_connected", (s: SerializedSocket) => {
        if (s.nsp === "/") resolve(s);
      });
    });
    const user = two.server.client("/", { transports: ["websocket"] });
    await next(user, "connect");
    const id = user.id;
    assert.equal((await connected).id, id);
    const received = next<[string, string, unknown[]]>(admin, "event_received");
    assert.equal(await user.emitWithAck("hello"), "hi from node 2");
    assert.deepEqual((await received).slice(0, 2), ["/", user.id]);
    const joined = next<[string, string, string]>(admin, "room_joined");
    two.server.io.sockets.sockets.get(user.id!)?.join("blue");
    assert.deepEqual((await joined).slice(0, 3), ["/", "blue", user.id]);

    // Commands sent to node 1 act on node 2's sockets.
    const news = next<[string]>(user, "news");
    admin.emit("emit", "/", "blue", "news", "from the admin UI");
    assert.deepEqual(await news, ["from the admin UI"]);
    const joinedGreen = next<[string, string, string]>(admin, "room_joined");
    admin.emit("join", "/", "green", user.id);
    assert.deepEqual((await joinedGreen).slice(0, 3), ["/", "green", user.id]);
    const gone = next<[string, string, string]>(admin, "socket_disconnected");
    const kicked = next<[string]>(user, "disconnect");
    admin.emit("_disconnect", "/", false, user.id);
    assert.deepEqual((await gone).slice(0, 3), ["/", id, "server namespace disconnect"]);
    assert.equal((await kicked)[0], "io server disconnect");
  } finally {
    for (const node of nodes) {
      await node.server.close();
      await node.clients.close();
    }
  }
});
