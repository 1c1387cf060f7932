/**
 * The per-connection savings of issue 6 keep behaviour: one decoder shared by connections between
 * binary packets, sockets as EventEmitters without Node's per-instance state, lazily made `auth`,
 * broadcasts without per-recipient allocation (multi-room dedupe, `except`).
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { deferred, rawConnect, startServer } from "./helpers.js";

test("binary packets of two connections interleave with text packets of others (shared decoder)", async () => {
  await using s = await startServer();
  const got: string[] = [];
  const all = deferred();
  s.io.on("connection", (socket) => {
    socket.on("bin", (n: number, bytes: Buffer) => {
      got.push(`${n}:${[...bytes].join(",")}`);
      if (got.length === 3) all.resolve();
    });
    socket.on("text", (n: number) => {
      got.push(`text${n}`);
      if (got.length === 3) all.resolve();
    });
  });
  const a = await rawConnect(s.port);
  const b = await rawConnect(s.port);
  a.raw.send('451-["bin",1,{"_placeholder":true,"num":0}]');
  b.raw.send('42["text",2]');
  b.raw.send('451-["bin",3,{"_placeholder":true,"num":0}]');
  a.raw.send(Buffer.from([1, 1]));
  b.raw.send(Buffer.from([3, 3]));
  await all.promise;
  // Per connection order is kept; across connections it is not defined.
  assert.deepEqual(got.sort(), ["1:1,1", "3:3,3", "text2"]);
});

test("a text packet while this connection awaits attachments closes only this connection", async () => {
  await using s = await startServer();
  const texts: number[] = [];
  const second = deferred();
  s.io.on("connection", (socket) => {
    socket.on("text", (n: number) => {
      texts.push(n);
      second.resolve();
    });
  });
  const a = await rawConnect(s.port);
  const b = await rawConnect(s.port);
  a.raw.send('451-["bin",{"_placeholder":true,"num":0}]');
  a.raw.send('42["text",1]');
  assert.equal(await a.raw.nextOrClose(), "closed");
  b.raw.send('42["text",2]');
  await second.promise;
  assert.deepEqual(texts, [2]);
});

test("sockets are EventEmitters: inherited names, once, several listeners, removeAllListeners", async () => {
  await using s = await startServer();
  const connected = deferred<Socket>();
  s.io.on("connection", (socket) => connected.resolve(socket));
  const { raw } = await rawConnect(s.port);
  const socket = await connected.promise;
  assert.ok(socket instanceof EventEmitter);
  const calls: string[] = [];
  const done = deferred();
  // Names of Object.prototype members: typed events would refuse them, the emitter must not.
  const emitter = socket as unknown as EventEmitter;
  emitter.on("toString", (x: number) => calls.push(`toString ${x}`));
  emitter.on("constructor", (x: number) => calls.push(`constructor ${x}`));
  socket.once("twice", (x: number) => calls.push(`once ${x}`));
  socket.on("twice", (x: number) => calls.push(`on ${x}`));
  socket.on("end", () => done.resolve());
  assert.equal(socket.listenerCount("twice"), 2);
  assert.deepEqual(socket.eventNames(), ["toString", "constructor", "twice", "end"]);
  raw.send('42["toString",1]');
  raw.send('42["constructor",2]');
  raw.send('42["twice",3]');
  raw.send('42["twice",4]');
  raw.send('42["end"]');
  await done.promise;
  assert.deepEqual(calls, ["toString 1", "constructor 2", "once 3", "on 3", "on 4"]);
  socket.removeAllListeners();
  assert.deepEqual(socket.eventNames(), []);
  const again = deferred<unknown[]>();
  socket.on("after", (...args: unknown[]) => again.resolve(args));
  raw.send('42["after","x",{"y":1}]');
  assert.deepEqual(await again.promise, ["x", { y: 1 }]);
});

test("handshake.auth is {} without a CONNECT payload (the same object on every read), else the payload", async () => {
  await using s = await startServer();
  const sockets: Socket[] = [];
  const two = deferred();
  s.io.on("connection", (socket) => {
    sockets.push(socket);
    if (sockets.length === 2) two.resolve();
  });
  const { raw } = await rawConnect(s.port);
  const other = await rawConnect(s.port);
  await two.promise;
  const [first, second] = sockets as [Socket, Socket];
  assert.deepEqual(first.handshake.auth, {});
  first.handshake.auth.user = "u1";
  assert.equal(first.handshake.auth.user, "u1");
  assert.equal(second.handshake.auth.user, undefined);
  raw.close();
  other.raw.close();

  const withAuth = deferred<Socket>();
  s.io.removeAllListeners("connection");
  s.io.on("connection", (socket) => withAuth.resolve(socket));
  const client = s.client("/", { auth: { token: "t" } });
  const socket = await withAuth.promise;
  assert.deepEqual(socket.handshake.auth, { token: "t" });
  client.disconnect();
});

test("multi-room broadcast with except: one copy per socket, none for excluded; socket.to excludes itself", async () => {
  await using s = await startServer();
  const sockets = new Map<string, Socket>();
  const joined = deferred();
  s.io.on("connection", (socket) => {
    sockets.set(socket.id, socket);
    if (sockets.size === 4) joined.resolve();
  });
  const conns = await Promise.all([0, 1, 2, 3].map(() => rawConnect(s.port)));
  await joined.promise;
  const [c1, c2, c3, c4] = conns as [
    (typeof conns)[0],
    (typeof conns)[0],
    (typeof conns)[0],
    (typeof conns)[0],
  ];
  sockets.get(c1.sid)!.join(["a", "b"]);
  sockets.get(c2.sid)!.join(["b", "c"]);
  sockets.get(c3.sid)!.join("a");
  sockets.get(c4.sid)!.join(["a", "b", "d"]);
  s.io.to(["a", "b"]).except(["c", "d"]).emit("m", 1);
  sockets.get(c1.sid)!.to(["a", "b"]).emit("m", 2);
  s.io.emit("m", 3);
  // Each connection sees its messages in order; the marker `3` ends each stream.
  const streams = await Promise.all(
    conns.map(async ({ raw }) => {
      const seen: string[] = [];
      for (;;) {
        const frame = (await raw.next()) as string;
        seen.push(frame);
        if (frame === '42["m",3]') return seen;
      }
    }),
  );
  assert.deepEqual(streams, [
    ['42["m",1]', '42["m",3]'],
    ['42["m",2]', '42["m",3]'],
    ['42["m",1]', '42["m",2]', '42["m",3]'],
    ['42["m",2]', '42["m",3]'],
  ]);
  for (const { raw } of conns) raw.close();
});
