/**
 * Rooms and every broadcast operator with the official client: who receives, who does not, exactly once.
 * Each scenario ends with a sentinel event sent to everyone; since one connection's packets stay in order,
 * anything not received before the sentinel was not sent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import type { Socket as ClientSocket } from "socket.io-client";
import { next, startServer, type TestServer } from "./helpers.js";

interface Peer {
  client: ClientSocket;
  server: Socket;
  got: string[];
}

async function peers(s: TestServer, names: string[], nsp = "/"): Promise<Record<string, Peer>> {
  const out: Record<string, Peer> = {};
  for (const name of names) {
    const serverSide = next<[Socket]>(s.io.of(nsp), "connection");
    const client = s.client(nsp, { transports: ["websocket"] });
    const [server] = await serverSide;
    await next(client, "connect");
    const got: string[] = [];
    client.onAny((ev: string, ...args: unknown[]) => {
      if (ev !== "sentinel") got.push(args.length > 0 ? `${ev}:${args.join(",")}` : ev);
    });
    out[name] = { client, server, got };
  }
  return out;
}

/** Emits the sentinel to everyone and waits until each peer has it. */
async function settle(s: TestServer, all: Record<string, Peer>, nsp = "/"): Promise<void> {
  const waits = Object.values(all).map((p) => next(p.client, "sentinel"));
  s.io.of(nsp).emit("sentinel");
  await Promise.all(waits);
}

function received(all: Record<string, Peer>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, p] of Object.entries(all)) out[name] = p.got.splice(0);
  return out;
}

test("join, leave, rooms and the automatic room per socket id", async () => {
  await using s = await startServer();
  const { a } = await peers(s, ["a"]);
  const sock = a!.server;
  assert.deepEqual([...sock.rooms], [sock.id]);
  sock.join(["r1", "r2"]);
  sock.join("r3");
  assert.deepEqual([...sock.rooms].sort(), [sock.id, "r1", "r2", "r3"].sort());
  sock.leave("r2");
  assert.deepEqual([...sock.rooms].sort(), [sock.id, "r1", "r3"].sort());
  assert.deepEqual([...s.io.sockets.adapter.rooms.get("r1")!], [sock.id]);
});

test("io.emit, io.to(room), chained to/in and arrays, except, socket.broadcast, socket.to", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a", "b", "c", "d"]);
  all.a!.server.join(["r1", "r2"]);
  all.b!.server.join("r1");
  all.c!.server.join("r2");

  s.io.emit("everyone");
  s.io.to("r1").emit("r1");
  s.io.to("r1").to("r2").emit("r1+r2");
  s.io.in(["r1", "r2"]).emit("array");
  s.io.to("r1").except("r2").emit("r1-r2");
  s.io.except(all.d!.server.id).emit("not-d");
  all.a!.server.broadcast.emit("from-a");
  all.a!.server.to("r1").emit("a-to-r1");
  s.io.to(all.c!.server.id).emit("direct-c");
  await settle(s, all);
  assert.deepEqual(received(all), {
    a: ["everyone", "r1", "r1+r2", "array", "not-d"],
    b: ["everyone", "r1", "r1+r2", "array", "r1-r2", "not-d", "from-a", "a-to-r1"],
    c: ["everyone", "r1+r2", "array", "not-d", "from-a", "direct-c"],
    d: ["everyone", "from-a"],
  });
});

test("a socket in several target rooms receives a broadcast once", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a", "b"]);
  all.a!.server.join(["x", "y", "z"]);
  all.b!.server.join("z");
  s.io.to(["x", "y", "z"]).emit("once");
  s.io.to("x").to("y").except("nothing").emit("twice-chained");
  await settle(s, all);
  assert.deepEqual(received(all), { a: ["once", "twice-chained"], b: ["once"] });
});

test("except with many rooms, and except of a socket id", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a", "b", "c"]);
  all.a!.server.join("e1");
  all.b!.server.join("e5");
  s.io.except(["e1", "e2", "e3", "e4", "e5", "e6"]).emit("many");
  s.io.except(all.c!.server.id).except("e1").emit("two");
  await settle(s, all);
  assert.deepEqual(received(all), { a: [], b: ["two"], c: ["many"] });
});

test("volatile, compress(false) and local reach connected, writable sockets", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a", "b"]);
  // Volatile packets go while the transport is idle: first in their batch (see raw-wire-events).
  s.io.volatile.emit("v");
  s.io.compress(false).emit("c");
  s.io.local.emit("l");
  await settle(s, all);
  all.a!.server.volatile.emit("sv");
  await settle(s, all);
  const got = received(all);
  assert.deepEqual(got.b, ["v", "c", "l"]);
  assert.deepEqual(got.a, ["v", "c", "l", "sv"]);
});

test("namespaces are isolated: a broadcast in /a does not reach /", async () => {
  await using s = await startServer();
  const main = await peers(s, ["m"]);
  const other = await peers(s, ["o"], "/a");
  s.io.of("/a").emit("only-a");
  s.io.emit("only-main");
  await settle(s, main);
  await settle(s, other, "/a");
  assert.deepEqual(received(main), { m: ["only-main"] });
  assert.deepEqual(received(other), { o: ["only-a"] });
});

test("fetchSockets, socketsJoin, socketsLeave, disconnectSockets with room filters", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a", "b", "c"]);
  all.a!.server.join("r");
  all.b!.server.join("r");
  all.b!.server.data = { name: "b" };
  const inR = await s.io.in("r").fetchSockets();
  assert.deepEqual(inR.map((x) => x.id).sort(), [all.a!.server.id, all.b!.server.id].sort());
  const b = inR.find((x) => x.id === all.b!.server.id)!;
  assert.deepEqual(b.data, { name: "b" });
  assert.ok(b.rooms.has("r"));
  assert.equal(b.handshake.auth !== undefined, true);

  s.io.in("r").socketsJoin(["j1", "j2"]);
  assert.ok(all.a!.server.rooms.has("j1") && all.b!.server.rooms.has("j2"));
  assert.equal(all.c!.server.rooms.has("j1"), false);
  s.io.except(all.a!.server.id).socketsLeave("r");
  assert.deepEqual([...(s.io.sockets.adapter.rooms.get("r") ?? [])], [all.a!.server.id]);

  const reason = next<[string]>(all.c!.client, "disconnect");
  s.io.except("r").disconnectSockets();
  assert.equal((await reason)[0], "io server disconnect");
  // b left "r" just before, so only a stays.
  assert.equal(s.io.sockets.sockets.size, 1);
  assert.deepEqual([...(await s.io.allSockets())], [all.a!.server.id]);
});

test("RemoteSocket from fetchSockets can emit, join, leave and disconnect", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a"]);
  const [remote] = await s.io.fetchSockets();
  remote!.emit("via-remote", 1);
  remote!.join("rj");
  assert.ok(all.a!.server.rooms.has("rj"));
  remote!.leave("rj");
  assert.equal(all.a!.server.rooms.has("rj"), false);
  await settle(s, all);
  assert.deepEqual(received(all), { a: ["via-remote:1"] });
  const reason = next<[string]>(all.a!.client, "disconnect");
  remote!.disconnect();
  assert.equal((await reason)[0], "io server disconnect");
});

test("room events of the adapter: create-room, join-room, leave-room, delete-room", async () => {
  await using s = await startServer();
  const events: string[] = [];
  const adapter = s.io.sockets.adapter;
  adapter.on("create-room", (room) => events.push(`create:${room}`));
  adapter.on("join-room", (room) => events.push(`join:${room}`));
  adapter.on("leave-room", (room) => events.push(`leave:${room}`));
  adapter.on("delete-room", (room) => events.push(`delete:${room}`));
  const all = await peers(s, ["a"]);
  const id = all.a!.server.id;
  all.a!.server.join("room");
  all.a!.server.leave("room");
  assert.deepEqual(events, [
    `create:${id}`,
    `join:${id}`,
    "create:room",
    "join:room",
    "leave:room",
    "delete:room",
  ]);
});

test("disconnecting: rooms are still readable; after disconnect they are gone", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a"]);
  const sock = all.a!.server;
  sock.join("kept");
  const seen = new Promise<string[]>((resolve) => sock.on("disconnecting", () => resolve([...sock.rooms])));
  const done = next(sock, "disconnect");
  all.a!.client.disconnect();
  assert.deepEqual((await seen).sort(), [sock.id, "kept"].sort());
  await done;
  assert.equal(sock.rooms.size, 0);
  assert.equal(s.io.sockets.adapter.rooms.has("kept"), false);
});

test("joining after disconnect is a no-op (no leaked rooms)", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a"]);
  const sock = all.a!.server;
  const done = next(sock, "disconnect");
  all.a!.client.disconnect();
  await done;
  sock.join("late");
  assert.equal(s.io.sockets.adapter.rooms.has("late"), false);
  assert.equal(s.io.sockets.adapter.sids.has(sock.id), false);
});

test("broadcast packets are reported by each recipient's engine `packetCreate` (metering), binary too", async () => {
  await using s = await startServer();
  const all = await peers(s, ["a", "b"]);
  const created: Record<string, unknown[]> = { a: [], b: [] };
  for (const [name, peer] of Object.entries(all)) {
    peer.server.conn.on("packetCreate", (packet: { type: string; data: unknown }) => {
      if (packet.type === "message") created[name]!.push(packet.data);
    });
  }
  all.a!.server.join("r");
  s.io.emit("news", 1);
  s.io.to("r").emit("room", 2);
  s.io.emit("bin", Buffer.from([1, 2]));
  await settle(s, all);
  for (const name of ["a", "b"]) {
    const data = created[name]!;
    const texts = data.filter((d) => typeof d === "string");
    const expected = [
      '2["news",1]',
      ...(name === "a" ? ['2["room",2]'] : []),
      '51-["bin",{"_placeholder":true,"num":0}]',
      '2["sentinel"]',
    ];
    assert.deepEqual(texts, expected);
    const binary = data.filter((d) => typeof d !== "string") as Uint8Array[];
    assert.deepEqual(
      binary.map((b) => [...b]),
      [[1, 2]],
    );
  }
});
