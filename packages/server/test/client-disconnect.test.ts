/**
 * Every disconnect reason, as Socket.IO names them, seen by the server socket (and by the official
 * client where it has one): namespace disconnects both ways, transport close, ping timeout, transport
 * error, parse error, forced close, forced server close, server shutting down, slow consumer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import type { Socket as ClientSocket, ManagerOptions, SocketOptions } from "socket.io-client";
import WebSocket from "ws";
import {
  deferred,
  next,
  RawPolling,
  RawWebSocket,
  rawConnect,
  startServer,
  type TestServer,
} from "./helpers.js";

function reasonOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.on("disconnect", (reason) => resolve(reason)));
}

/** Connects an official client on `/` and resolves once both ends see the connection. */
async function connectClient(
  s: TestServer,
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<{ c: ClientSocket; socket: Socket }> {
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", opts);
  const [socket] = await connected;
  await next(c, "connect");
  return { c, socket };
}

test("client namespace disconnect / io client disconnect", async () => {
  await using s = await startServer();
  const { c, socket } = await connectClient(s);
  const reason = reasonOf(socket);
  const clientReason = next<[string]>(c, "disconnect");
  c.disconnect();
  assert.equal(await reason, "client namespace disconnect");
  assert.equal((await clientReason)[0], "io client disconnect");
  assert.equal(socket.connected, false);
  assert.equal(socket.disconnected, true);
});

test("server namespace disconnect / io server disconnect, for disconnect() and disconnect(true)", async () => {
  await using s = await startServer();
  for (const close of [false, true]) {
    const { c, socket } = await connectClient(s);
    const reason = reasonOf(socket);
    const clientReason = next<[string]>(c, "disconnect");
    socket.disconnect(close);
    assert.equal(await reason, "server namespace disconnect");
    assert.equal((await clientReason)[0], "io server disconnect");
  }
});

test("transport close: the client's engine goes away", async () => {
  await using s = await startServer();
  for (const transports of [["websocket"], ["polling"]] as ("websocket" | "polling")[][]) {
    const { c, socket } = await connectClient(s, { transports });
    const reason = reasonOf(socket);
    c.io.engine.close();
    assert.equal(await reason, "transport close", transports[0]);
  }
});

test("ping timeout: no pong within pingTimeout", async () => {
  await using s = await startServer({ pingInterval: 30, pingTimeout: 30 });
  const connected = next<[Socket]>(s.io, "connection");
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/socket.io/?EIO=4&transport=websocket`);
  ws.on("message", (d: Buffer) => {
    if (d.toString()[0] === "0") ws.send("40");
  });
  const [socket] = await connected;
  assert.equal(await reasonOf(socket), "ping timeout");
  ws.close();
});

/** A raw frame sent by a connected client, and the disconnect reason the server socket must report. */
const rawFrameCases = [
  {
    name: "transport error: a ping sent by the client (wrong heartbeat direction)",
    frame: "2",
    reason: "transport error",
  },
  { name: "parse error: an invalid Engine.IO packet", frame: "9", reason: "parse error" },
  {
    name: "forced close: an invalid Socket.IO packet makes the server close the connection",
    frame: "42{}",
    reason: "forced close",
  },
  {
    name: "forced server close: a duplicate CONNECT closes the connection from the Socket.IO layer",
    frame: "40",
    reason: "forced server close",
  },
] as const;

for (const { name, frame, reason: expected } of rawFrameCases) {
  test(name, async () => {
    await using s = await startServer();
    const connected = next<[Socket]>(s.io, "connection");
    const { raw } = await rawConnect(s.port);
    const [socket] = await connected;
    const reason = reasonOf(socket);
    raw.send(frame);
    assert.equal(await reason, expected);
  });
}

test("server shutting down: io.close()", async () => {
  const s = await startServer();
  const { c, socket } = await connectClient(s);
  const reason = reasonOf(socket);
  const clientReason = next<[string]>(c, "disconnect");
  await s.io.close();
  assert.equal(await reason, "server shutting down");
  assert.equal(typeof (await clientReason)[0], "string");
  c.disconnect();
});

test("slow consumer: the outbound buffer overflows while the client does not read", async () => {
  await using s = await startServer({ maxOutboundBytes: 10_000 });
  const connected = next<[Socket]>(s.io, "connection");
  const p = new RawPolling(s.port);
  await p.open();
  await p.send("40");
  const [socket] = await connected;
  const reason = reasonOf(socket);
  // Nobody polls: the messages pile up in the session's queue.
  for (let i = 0; i < 20; i++) socket.emit("big", "x".repeat(1000));
  assert.equal(await reason, "slow consumer");
  // Volatile packets are dropped rather than queued.
  void deferred;
  void RawWebSocket;
});

test("the description of transport errors is passed along", async () => {
  await using s = await startServer();
  const connected = next<[Socket]>(s.io, "connection");
  const { raw } = await rawConnect(s.port);
  const [socket] = await connected;
  const got = new Promise<unknown[]>((resolve) => socket.on("disconnect", (...args) => resolve(args)));
  raw.send("2");
  const [reason, description] = await got;
  assert.equal(reason, "transport error");
  assert.ok(description instanceof Error);
});

test("a slow consumer closed in the middle of broadcasts does not disturb the other recipients", async () => {
  await using s = await startServer({ maxOutboundBytes: 20_000 });
  const fast = s.client("/", { transports: ["websocket"] });
  await next(fast, "connect");
  const connected = next<[Socket]>(s.io, "connection");
  const slow = new RawPolling(s.port);
  await slow.open();
  await slow.send("40");
  const [slowSocket] = await connected;
  slowSocket.join("room");
  const reason = reasonOf(slowSocket);
  const fastSocket = [...s.io.sockets.sockets.values()].find((x) => x !== slowSocket)!;
  fastSocket.join("room");
  let count = 0;
  const all = new Promise<void>((resolve) =>
    fast.on("tick", () => {
      if (++count === 50) resolve();
    }),
  );
  // One emit per tick: the fast client's queue is flushed every tick, the slow one's only grows.
  for (let i = 0; i < 50; i++) {
    s.io.to("room").emit("tick", "y".repeat(1000));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(await reason, "slow consumer");
  await all;
  assert.equal(count, 50);
  assert.equal(s.io.sockets.adapter.rooms.get("room")?.size, 1);
});
