/**
 * Binary payloads with the official client: Buffer, ArrayBuffer and typed arrays nested in objects and
 * arrays, both directions, in events and acks, over WebSocket and over polling.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { next, startServer, type TestServer } from "./helpers.js";

async function connected(s: TestServer, transports: ("polling" | "websocket")[]) {
  const serverSide = next<[Socket]>(s.io, "connection");
  const client = s.client("/", { transports });
  const [server] = await serverSide;
  await next(client, "connect");
  return { client, server };
}

for (const transports of [["websocket"], ["polling"]] as ("polling" | "websocket")[][]) {
  test(`client → server binary nested in objects and arrays (${transports[0]})`, async () => {
    await using s = await startServer();
    const { client, server } = await connected(s, transports);
    const got = next<unknown[]>(server, "files");
    client.emit("files", {
      buf: new Uint8Array([1, 2, 3]),
      list: [new Uint16Array([1, 256]).buffer, "text", { deep: [new Int8Array([-1])] }],
    });
    const [payload] = (await got) as [{ buf: Buffer; list: [Buffer, string, { deep: [Buffer] }] }];
    assert.ok(Buffer.isBuffer(payload.buf));
    assert.deepEqual([...payload.buf], [1, 2, 3]);
    assert.deepEqual([...payload.list[0]], [1, 0, 0, 1]);
    assert.equal(payload.list[1], "text");
    assert.deepEqual([...payload.list[2].deep[0]], [255]);
  });

  test(`server → client binary: Buffer, ArrayBuffer, typed arrays, in events and acks (${transports[0]})`, async () => {
    await using s = await startServer();
    const { client, server } = await connected(s, transports);
    const got = next<unknown[]>(client, "files");
    server.emit("files", Buffer.from([7]), {
      ab: new Uint8Array([8, 9]).buffer,
      arr: [new Float32Array([1.5])],
    });
    const [a, b] = (await got) as [ArrayBuffer, { ab: ArrayBuffer; arr: [ArrayBuffer] }];
    assert.deepEqual([...new Uint8Array(a)], [7]);
    assert.deepEqual([...new Uint8Array(b.ab)], [8, 9]);
    assert.equal(Buffer.from(b.arr[0] as ArrayBuffer).readFloatLE(0), 1.5);

    server.on("echo", (data: Buffer, ack: (d: unknown) => void) => ack({ back: data }));
    const answer = (await client.emitWithAck("echo", new Uint8Array([4, 5]))) as { back: ArrayBuffer };
    assert.deepEqual([...new Uint8Array(answer.back)], [4, 5]);

    client.on("ask-bin", (ack: (d: unknown) => void) => ack([new Uint8Array([6])]));
    const reply = (await server.emitWithAck("ask-bin")) as [Buffer];
    assert.deepEqual([...reply[0]], [6]);
  });
}

test("binary broadcast is delivered to every recipient with its attachments", async () => {
  await using s = await startServer();
  const a = await connected(s, ["websocket"]);
  const b = await connected(s, ["polling"]);
  const both = Promise.all([next(a.client, "bin"), next(b.client, "bin")]);
  s.io.emit("bin", { data: Buffer.from([1, 2]) }, Buffer.from([3]));
  for (const [x, y] of (await both) as unknown as [{ data: ArrayBuffer }, ArrayBuffer][]) {
    assert.deepEqual([...new Uint8Array(x.data)], [1, 2]);
    assert.deepEqual([...new Uint8Array(y)], [3]);
  }
});
