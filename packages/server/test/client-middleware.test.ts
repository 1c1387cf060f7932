/**
 * Connection middlewares (`io.use`, `nsp.use`) and per-packet middlewares (`socket.use`) with the
 * official client: errors carry `data` to the client; the socket is not created on refusal.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { deferred, next, startServer } from "./helpers.js";

test("io.use runs in order, can set data and join rooms; async next", async () => {
  await using s = await startServer();
  const order: number[] = [];
  s.io.use((socket, nextFn) => {
    order.push(1);
    socket.data.user = socket.handshake.auth.user;
    nextFn();
  });
  s.io.use((socket, nextFn) => {
    order.push(2);
    socket.join("from-middleware");
    setImmediate(() => nextFn());
  });
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { auth: { user: "ann" } });
  const [socket] = await connected;
  await next(c, "connect");
  assert.deepEqual(order, [1, 2]);
  assert.equal(socket.data.user, "ann");
  assert.ok(socket.rooms.has("from-middleware"));
  assert.equal(c.id, socket.id);
});

test("middleware error reaches the client with message and data; no connection event", async () => {
  await using s = await startServer();
  let connections = 0;
  s.io.on("connection", () => connections++);
  s.io.use((_socket, nextFn) => {
    const err = new Error("not authorized") as Error & { data: unknown };
    err.data = { content: "Please retry later" };
    nextFn(err);
  });
  const c = s.client();
  const [err] = await next<[Error & { data: unknown }]>(c, "connect_error");
  assert.equal(err.message, "not authorized");
  assert.deepEqual(err.data, { content: "Please retry later" });
  assert.equal(connections, 0);
  assert.equal(s.io.sockets.sockets.size, 0);
});

test("namespace middleware applies only to its namespace", async () => {
  await using s = await startServer();
  s.io.of("/private").use((_socket, nextFn) => nextFn(new Error("private")));
  s.io.of("/public");
  const priv = s.client("/private");
  const pub = s.client("/public");
  assert.equal((await next<[Error]>(priv, "connect_error"))[0].message, "private");
  await next(pub, "connect");
});

test("a refused socket's rooms are cleaned up", async () => {
  await using s = await startServer();
  s.io.use((socket, nextFn) => {
    socket.join("temp");
    nextFn(new Error("no"));
  });
  const c = s.client();
  await next(c, "connect_error");
  assert.equal(s.io.sockets.adapter.rooms.size, 0);
});

test("socket.use sees every incoming packet, may rewrite it, and its error goes to the socket's error event", async () => {
  await using s = await startServer();
  const error = deferred<Error>();
  s.io.on("connection", (socket) => {
    socket.use((packet, nextFn) => {
      if (packet[0] === "forbidden") return nextFn(new Error("forbidden event"));
      if (packet[0] === "upper") packet[1] = String(packet[1]).toUpperCase();
      nextFn();
    });
    socket.use((packet, nextFn) => {
      if (packet[0] === "upper") packet[1] = `${String(packet[1])}!`;
      nextFn();
    });
    socket.on("error", (err) => error.resolve(err));
    socket.on("upper", (v: string, ack: (x: string) => void) => ack(v));
    socket.on("forbidden", () => assert.fail("must not be dispatched"));
  });
  const c = s.client();
  await next(c, "connect");
  c.emit("forbidden");
  assert.equal((await error.promise).message, "forbidden event");
  assert.equal(await c.emitWithAck("upper", "hi"), "HI!");
});

test("onAny / prependAny / offAny / listenersAny and the outgoing variants", async () => {
  await using s = await startServer();
  const seen: string[] = [];
  const outgoing: unknown[][] = [];
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"] });
  const [socket] = await connected;
  const l1 = (ev: string) => seen.push(`l1:${ev}`);
  const l0 = (ev: string) => seen.push(`l0:${ev}`);
  socket.onAny(l1);
  socket.prependAny(l0);
  assert.deepEqual(socket.listenersAny(), [l0, l1]);
  socket.onAnyOutgoing((...args) => outgoing.push(args));
  await next(c, "connect");
  const got = next(socket, "first");
  c.emit("first", 1);
  await got;
  socket.offAny(l0);
  const got2 = next(socket, "second");
  c.emit("second");
  await got2;
  socket.offAny();
  assert.deepEqual(socket.listenersAny(), []);
  assert.deepEqual(seen, ["l0:first", "l1:first", "l1:second"]);
  const back = next(c, "out");
  socket.emit("out", 1, "a");
  s.io.emit("out", 2);
  await back;
  assert.deepEqual(outgoing, [
    ["out", 1, "a"],
    ["out", 2],
  ]);
  assert.equal(socket.listenersAnyOutgoing().length, 1);
  socket.offAnyOutgoing();
  assert.equal(socket.listenersAnyOutgoing().length, 0);
});

test("emitting a reserved event name throws with a stable code", async () => {
  await using s = await startServer();
  const connected = next<[Socket]>(s.io, "connection");
  s.client();
  const [socket] = await connected;
  assert.throws(() => socket.emit("disconnect"), { code: "ERR_RESERVED_EVENT" });
  assert.throws(() => s.io.emit("connect"), { code: "ERR_RESERVED_EVENT" });
});

test("send / message", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => socket.on("message", (m: string) => socket.send(`echo ${m}`)));
  const c = s.client();
  await next(c, "connect");
  const reply = next(c, "message");
  c.send("hi");
  assert.deepEqual(await reply, ["echo hi"]);
});
