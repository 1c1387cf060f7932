/**
 * Per-room routing over Redis: a broadcast to a room held on one node of three reaches that node only
 * (the others receive nothing from Redis), in classic and sharded mode; the room channel has exactly one
 * subscriber; a message to one socket reaches only its node.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { Redis } from "ioredis";
import { startRedis } from "../../../test-support/redis-server.js";
import { next } from "../../server/test/helpers.js";
import { type Mode, type RedisNode, startNode } from "./helpers.js";

for (const mode of ["classic", "sharded"] as const satisfies readonly Mode[]) {
  test(`${mode}: a room held on 1 node of 3 costs Redis delivery to that node only`, async () => {
    await using redis = await startRedis();
    const nodes: RedisNode[] = [];
    const raw = new Redis(redis.url);
    try {
      for (let i = 0; i < 3; i++) nodes.push(await startNode("ioredis", mode, redis.url));
      await Promise.all(
        nodes.map(
          (n) =>
            new Promise<void>((resolve) => {
              const check = (): void => {
                if (n.adapter().membership.count === 3) resolve();
              };
              n.adapter().membership.on("up", check);
              check();
            }),
        ),
      );
      const holder = nodes[2]!;
      const connected = next<[Socket]>(holder.server.io, "connection");
      const client = holder.server.client("/", { transports: ["websocket"] });
      const [socket] = await connected;
      await next(client, "connect");
      // A new room needs a subscription: join() returns a promise that resolves once Redis confirmed it.
      const joining = socket.join("only-here");
      assert.ok(joining instanceof Promise);
      await joining;
      const numsub = mode === "classic" ? "NUMSUB" : "SHARDNUMSUB";
      const reply = (await raw.call("PUBSUB", numsub, "socket.io#/#only-here#")) as [string, number];
      assert.equal(Number(reply[1]), 1);

      const before = nodes.map((n) => n.adapter().counters.received);
      const got: string[] = [];
      client.onAny((event: string) => got.push(event));
      const last = next(client, "to-socket");
      nodes[0]!.server.io.to("only-here").emit("to-room");
      nodes[0]!.server.io.to(socket.id).emit("to-socket");
      await last;
      assert.deepEqual(got, ["to-room", "to-socket"]);
      const delta = nodes.map((n, i) => n.adapter().counters.received - before[i]!);
      assert.deepEqual(delta, [0, 0, 2]);
    } finally {
      raw.disconnect();
      for (const node of nodes) {
        await node.server.close();
        await node.clients.close();
      }
    }
  });
}
