/**
 * Set up as socket.io users do: `io.adapter(createAdapter(pub, sub))` after `new Server(httpServer)`, with
 * ioredis clients still connecting. The nodes find each other and broadcasts cross; `io.close()` makes a
 * node leave the others' count at once.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { ClusterAdapter } from "@plexus/adapter";
import { createAdapter } from "@plexus/redis-adapter";
import { Server } from "@plexus/server";
import { Redis } from "ioredis";
import { io as ioc } from "socket.io-client";
import { startRedis } from "../../../test-support/redis-server.js";
import { nextOn } from "./cluster-process.js";

test("io.adapter(createAdapter(pub, sub)) after construction, clients still connecting; io.close() leaves at once", async () => {
  await using redis = await startRedis();
  const connections: Redis[] = [];
  const nodes = [];
  for (let i = 0; i < 2; i++) {
    const pub = new Redis(redis.url);
    const sub = pub.duplicate();
    connections.push(pub, sub);
    const http = createServer();
    const io = new Server(http);
    io.adapter(createAdapter(pub, sub));
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    nodes.push({ io, port: (http.address() as AddressInfo).port });
  }
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const adapterA = a.io.of("/").adapter as ClusterAdapter;
  try {
    if (adapterA.membership.count < 2) await once(adapterA.membership, "up");
    const client = ioc(`http://127.0.0.1:${b.port}`, { forceNew: true, transports: ["websocket"] });
    await nextOn(client, "connect");
    const got = nextOn(client, "hello");
    a.io.emit("hello", "from a");
    assert.deepEqual(await got, ["from a"]);
    client.disconnect();
    const left = once(adapterA.membership, "down");
    await b.io.close();
    await left;
    assert.equal(await adapterA.serverCount(), 1);
  } finally {
    await a.io.close();
    for (const c of connections) c.disconnect();
  }
});
