/**
 * Transports with the official client: polling only, WebSocket only, and polling upgraded to WebSocket
 * with traffic on both sides of the upgrade.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { next, startServer } from "./helpers.js";

for (const transports of [["polling"], ["websocket"]] as ("polling" | "websocket")[][]) {
  test(`${transports[0]} only: connect, events both ways, acks, disconnect`, async () => {
    await using s = await startServer({ transports });
    s.io.on("connection", (socket) => socket.on("echo", (v: unknown, ack: (x: unknown) => void) => ack(v)));
    const connected = next<[Socket]>(s.io, "connection");
    const c = s.client("/", { transports });
    const [socket] = await connected;
    await next(c, "connect");
    assert.equal(socket.conn.transport.name, transports[0]);
    for (let i = 0; i < 20; i++) assert.equal(await c.emitWithAck("echo", i), i);
    if (transports[0] === "polling") {
      // The client's held poll has left node:http for an owned connection (engine pollingTakeover).
      while (s.io.engine._ownedCount === 0) await new Promise<void>((r) => setImmediate(r));
    }
    const burst = new Promise<number[]>((resolve) => {
      const got: number[] = [];
      c.on("n", (n: number) => {
        got.push(n);
        if (got.length === 100) resolve(got);
      });
    });
    for (let i = 0; i < 100; i++) socket.emit("n", i);
    assert.deepEqual(await burst, [...Array(100).keys()]);
    const gone = next<[string]>(socket, "disconnect");
    c.disconnect();
    assert.equal((await gone)[0], "client namespace disconnect");
  });
}

test("upgrade from polling to WebSocket keeps the socket and the order of packets", async () => {
  await using s = await startServer();
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/");
  const got: number[] = [];
  c.on("n", (n: number) => got.push(n));
  const [socket] = await connected;
  assert.equal(socket.conn.transport.name, "polling");
  const upgraded = new Promise((resolve) => socket.conn.once("upgrade", resolve));
  // Emit continuously from before the client even saw the CONNECT reply until after the upgrade.
  let i = 0;
  socket.emit("n", i++);
  const timer = setInterval(() => socket.emit("n", i++), 1);
  await upgraded;
  const last = i + 5;
  await new Promise<void>((resolve) => {
    c.on("n", (n: number) => {
      if (n >= last) resolve();
    });
  });
  clearInterval(timer);
  assert.equal(socket.conn.transport.name, "websocket");
  assert.equal(c.io.engine.transport.name, "websocket");
  assert.deepEqual(got, [...Array(got.length).keys()]);
  assert.ok(got.length > last);
});

for (const transports of [["polling"], ["websocket"]] as ("polling" | "websocket")[][]) {
  test(`large JSON and binary payloads round-trip (${transports[0]})`, async () => {
    await using s = await startServer();
    s.io.on("connection", (socket) =>
      socket.on("echo", (v: unknown, b: Buffer, ack: (...x: unknown[]) => void) => ack(v, b.length)),
    );
    const c = s.client("/", { transports });
    await next(c, "connect");
    const big = Array.from({ length: 20_000 }, (_, i) => ({ i, s: "x".repeat(10) }));
    const [v, n] = await new Promise<unknown[]>((resolve) =>
      c.emit("echo", big, new Uint8Array(300_000), (...r: unknown[]) => resolve(r)),
    );
    assert.deepEqual(v, big);
    assert.equal(n, 300_000);
  });
}
