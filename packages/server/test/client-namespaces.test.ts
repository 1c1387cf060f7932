/**
 * The official socket.io-client against our server: namespaces multiplexed over one connection and
 * dynamic namespaces (RegExp, function, `new_namespace`, `cleanupEmptyChildNamespaces`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Manager } from "socket.io-client";
import { deferred, next, startServer } from "./helpers.js";

test("three namespaces share one engine connection, each with its own socket id", async () => {
  await using s = await startServer();
  const engineIds = new Set<string>();
  for (const name of ["/", "/a", "/b"]) {
    s.io.of(name).on("connection", (socket) => {
      engineIds.add(socket.conn.id);
      socket.on("who", (ack: (n: string) => void) => ack(socket.nsp.name));
    });
  }
  const manager = new Manager(s.url, { reconnection: false });
  const sockets = ["/", "/a", "/b"].map((n) => manager.socket(n));
  await Promise.all(sockets.map((c) => next(c, "connect")));
  assert.equal(engineIds.size, 1);
  assert.equal(s.io.engine.clientsCount, 1);
  const ids = new Set(sockets.map((c) => c.id));
  assert.equal(ids.size, 3);
  assert.ok(!ids.has([...engineIds][0]));
  assert.deepEqual(await Promise.all(sockets.map((c) => c.emitWithAck("who"))), ["/", "/a", "/b"]);
  // Leaving one namespace keeps the others.
  const left = deferred<string>();
  for (const sock of s.io.of("/a").sockets.values()) sock.on("disconnect", (r) => left.resolve(r));
  sockets[1]!.disconnect();
  assert.equal(await left.promise, "client namespace disconnect");
  assert.equal(await sockets[2]!.emitWithAck("who"), "/b");
  for (const c of sockets) c.disconnect();
});

test("unknown namespace: connect_error 'Invalid namespace' on the client", async () => {
  await using s = await startServer();
  const c = s.client("/nope");
  const [err] = await next<[Error]>(c, "connect_error");
  assert.equal(err.message, "Invalid namespace");
});

test("dynamic namespace from a RegExp: created on connect, new_namespace emitted, shares listeners and middleware", async () => {
  await using s = await startServer();
  const created: string[] = [];
  s.io.on("new_namespace", (nsp) => created.push(nsp.name));
  const parent = s.io.of(/^\/dyn-\d+$/);
  parent.use((socket, nextFn) => {
    socket.data.checked = true;
    nextFn();
  });
  parent.on("connection", (socket) => socket.emit("hi", socket.nsp.name, socket.data.checked));
  const c = s.client("/dyn-42");
  const [name, checked] = await next(c, "hi");
  assert.equal(name, "/dyn-42");
  assert.equal(checked, true);
  assert.deepEqual(created, ["/dyn-42"]);
  assert.ok(s.io._nsps.has("/dyn-42"));
  // A parent broadcast reaches every child.
  const c2 = s.client("/dyn-7");
  await next(c2, "hi");
  const both = Promise.all([next(c, "all"), next(c2, "all")]);
  parent.emit("all", 1);
  assert.deepEqual(await both, [[1], [1]]);
  const bad = s.client("/dyn-x");
  assert.equal((await next<[Error]>(bad, "connect_error"))[0].message, "Invalid namespace");
});

test("dynamic namespace from a function, with auth", async () => {
  await using s = await startServer();
  s.io
    .of((name, auth, nextFn) => nextFn(null, name === "/fn" && auth.ok === true))
    .on("connection", (socket) => socket.emit("in", socket.nsp.name));
  const refused = s.client("/fn", { auth: { ok: false } });
  assert.equal((await next<[Error]>(refused, "connect_error"))[0].message, "Invalid namespace");
  const accepted = s.client("/fn", { auth: { ok: true } });
  assert.deepEqual(await next(accepted, "in"), ["/fn"]);
});

test("io.of() of a name matching a RegExp parent returns a child of it", async () => {
  await using s = await startServer();
  const parent = s.io.of(/^\/room-/);
  const got = deferred<string>();
  parent.on("connection", (socket) => got.resolve(socket.nsp.name));
  s.io.of("/room-1");
  const c = s.client("/room-1");
  assert.equal(await got.promise, "/room-1");
  c.disconnect();
});

test("cleanupEmptyChildNamespaces removes a child once its last socket leaves", async () => {
  await using s = await startServer({ cleanupEmptyChildNamespaces: true });
  s.io.of(/^\/tmp-/);
  const c = s.client("/tmp-1");
  await next(c, "connect");
  assert.ok(s.io._nsps.has("/tmp-1"));
  const gone = deferred();
  for (const sock of s.io._nsps.get("/tmp-1")!.sockets.values()) sock.on("disconnect", () => gone.resolve());
  c.disconnect();
  await gone.promise;
  assert.equal(s.io._nsps.has("/tmp-1"), false);
});

test("cleanupEmptyChildNamespaces removes a child whose middleware rejected the only connection", async () => {
  await using s = await startServer({ cleanupEmptyChildNamespaces: true });
  s.io.of(/^\/tmp-/).use((_socket, next) => next(new Error("not allowed")));
  const c = s.client("/tmp-2");
  const [err] = await next<[Error]>(c, "connect_error");
  assert.equal(err.message, "not allowed");
  assert.equal(s.io._nsps.has("/tmp-2"), false);
});

test("static namespaces are not cleaned up", async () => {
  await using s = await startServer({ cleanupEmptyChildNamespaces: true });
  s.io.of("/static");
  const c = s.client("/static");
  await next(c, "connect");
  const gone = deferred();
  for (const sock of s.io.of("/static").sockets.values()) sock.on("disconnect", () => gone.resolve());
  c.disconnect();
  await gone.promise;
  assert.ok(s.io._nsps.has("/static"));
});
