/**
 * Whatever lands on the Redis channels — garbage bytes, JSON of the wrong shape, MessagePack of the wrong
 * shape, lying lengths, payloads over `maxMessageBytes` — is dropped and counted (`counters.badMessages`)
 * on every node, and the cluster keeps working. The garbage comes from a raw Redis client; a valid
 * broadcast it publishes afterwards proves every node has processed what came before.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { Redis } from "ioredis";
import notepack from "notepack.io";
import { startRedis } from "../../../test-support/redis-server.js";
import { next } from "../../server/test/helpers.js";
import { startNode } from "./helpers.js";

test("garbage, wrong types and huge messages on every channel are dropped and counted; nothing crashes", async () => {
  await using redis = await startRedis();
  const opts = { maxMessageBytes: 64 * 1024 };
  const a = await startNode("ioredis", "classic", redis.url, opts);
  const b = await startNode("node-redis", "classic", redis.url, opts);
  const raw = new Redis(redis.url);
  try {
    await new Promise((resolve) => a.adapter().membership.once("up", resolve));
    const clients = [];
    for (const node of [a, b]) {
      const connected = next<[Socket]>(node.server.io, "connection");
      const client = node.server.client("/", { transports: ["websocket"] });
      await connected;
      await next(client, "connect");
      clients.push(client);
    }
    const before = [a.adapter().counters.badMessages, b.adapter().counters.badMessages];
    const bad: Array<[string, string | Buffer]> = [
      ["socket.io#/#", Buffer.from([0xc1, 0x00, 0xff])],
      ["socket.io#/#", '{"not":"msgpack"}'],
      ["socket.io#/#", notepack.encode([1, 2, 3]) as Buffer],
      [
        "socket.io#/#",
        notepack.encode(["u", { type: 0, data: ["connect"], nsp: "/" }, { rooms: [] }]) as Buffer,
      ],
      ["socket.io#/#", notepack.encode(["u", { type: 2, data: "ev", nsp: "/" }, { rooms: [] }]) as Buffer],
      [
        "socket.io#/#",
        notepack.encode(["u", { type: 2, data: ["ev"], nsp: "/other" }, { rooms: [] }]) as Buffer,
      ],
      ["socket.io#/#", Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])],
      ["socket.io#/#", Buffer.alloc(100 * 1024, 0x90)],
      ["socket.io-request#/#", "{ not json"],
      ["socket.io-request#/#", '{"uid":"x","type":"5"}'],
      ["socket.io-request#/#", '{"uid":"x","type":5,"requestId":"r"}'],
      ["socket.io-request#/#", '{"uid":"x","type":6,"data":"not an array"}'],
      ["socket.io-request#/#", Buffer.from([0x93, 0x01])],
      ["socket.io-response#/#", '{"requestId":5}'],
      ["socket.io-response#/#", Buffer.alloc(70 * 1024, 0x7b)],
    ];
    for (const [channel, payload] of bad) await raw.publish(channel, payload);
    const sentinel = notepack.encode([
      "raw",
      { type: 2, data: ["sentinel"], nsp: "/" },
      { rooms: [], except: [] },
    ]);
    const arrived = clients.map((c) => next(c, "sentinel"));
    await raw.publish("socket.io#/#", sentinel as Buffer);
    await Promise.all(arrived);
    assert.equal(a.adapter().counters.badMessages - before[0]!, bad.length);
    assert.equal(b.adapter().counters.badMessages - before[1]!, bad.length);
    const crossed = next(clients[1]!, "still-works");
    a.server.io.emit("still-works");
    await crossed;
  } finally {
    raw.disconnect();
    for (const node of [a, b]) {
      await node.server.close();
      await node.clients.close();
    }
  }
});
