/**
 * The drop-in scenario suite: written once against the Socket.IO server API, registered once per
 * implementation (`socket-io.test.ts`, `plexus.test.ts`). No scenario is skipped for either.
 * Each scenario asserts what an application or a client can observe: events, acks, reasons, rooms,
 * and, for the wire-level ones, exact frames.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { Manager } from "socket.io-client";
import { RawSocket } from "./raw-socket.js";
import { harness, next, type ServerFactory } from "./server-factory.js";

type ServerSocket = Socket;

export function defineScenarios(impl: string, factory: ServerFactory): void {
  const it = (name: string, fn: () => Promise<void>) => test(`[${impl}] ${name}`, fn);

  it("connection: auth, handshake, ids, emit both ways", async () => {
    await using h = await harness(factory);
    const connected = next<[ServerSocket]>(h.io, "connection");
    const c = h.client("/", { auth: { token: "abc" }, query: { q: "1" } });
    const [socket] = await connected;
    await next(c, "connect");
    assert.equal(c.id, socket.id);
    assert.notEqual(socket.id, socket.conn.id);
    assert.deepEqual(socket.handshake.auth, { token: "abc" });
    assert.equal(socket.handshake.query.q, "1");
    assert.equal(typeof socket.handshake.issued, "number");
    assert.equal(typeof socket.handshake.headers, "object");
    assert.equal(socket.connected, true);
    assert.equal(socket.recovered, false);
    const got = next(socket, "from-client");
    c.emit("from-client", 1, { a: [2] });
    assert.deepEqual(await got, [1, { a: [2] }]);
    const back = next(c, "from-server");
    socket.emit("from-server", "x", null);
    assert.deepEqual(await back, ["x", null]);
  });

  it("acks both ways, emitWithAck, timeouts", async () => {
    await using h = await harness(factory);
    h.io.on("connection", (socket) =>
      socket.on("add", (a: number, b: number, ack: (n: number) => void) => ack(a + b)),
    );
    const connected = next<[ServerSocket]>(h.io, "connection");
    const c = h.client("/", { transports: ["websocket"] });
    const [socket] = await connected;
    await next(c, "connect");
    assert.equal(await c.emitWithAck("add", 2, 3), 5);
    c.on("ask", (q: string, ack: (a: string) => void) => ack(q.toUpperCase()));
    c.on("silent", () => {});
    assert.equal(await socket.emitWithAck("ask", "hi"), "HI");
    assert.equal(await socket.timeout(1000).emitWithAck("ask", "yo"), "YO");
    await assert.rejects(socket.timeout(20).emitWithAck("silent"), /operation has timed out/);
    const err = await new Promise((resolve) => socket.timeout(20).emit("silent", resolve));
    assert.ok(err instanceof Error);
  });

  it("rooms and broadcast operators: exactly who receives", async () => {
    await using h = await harness(factory);
    const peers: { c: ReturnType<typeof h.client>; s: ServerSocket; got: string[] }[] = [];
    for (let i = 0; i < 4; i++) {
      const connected = next<[ServerSocket]>(h.io, "connection");
      const c = h.client("/", { transports: ["websocket"] });
      const [s] = await connected;
      await next(c, "connect");
      const got: string[] = [];
      c.onAny((ev: string) => {
        if (ev !== "end") got.push(ev);
      });
      peers.push({ c, s, got });
    }
    const [a, b, c, d] = peers as [
      (typeof peers)[0],
      (typeof peers)[0],
      (typeof peers)[0],
      (typeof peers)[0],
    ];
    a.s.join(["r1", "r2"]);
    b.s.join("r1");
    c.s.join("r2");
    h.io.emit("all");
    h.io.to("r1").emit("r1");
    h.io.to("r1").to("r2").emit("r1|r2");
    h.io.in(["r1", "r2"]).emit("array");
    h.io.to("r1").except("r2").emit("r1-r2");
    h.io.except(d.s.id).emit("not-d");
    a.s.broadcast.emit("bcast-a");
    a.s.to("r1").emit("a-to-r1");
    a.s.except("r2").emit("a-except-r2");
    h.io.to(c.s.id).emit("direct-c");
    h.io.of("/").to("r2").emit("nsp-r2");
    const ends = peers.map((p) => next(p.c, "end"));
    h.io.emit("end");
    await Promise.all(ends);
    assert.deepEqual(a.got, ["all", "r1", "r1|r2", "array", "not-d", "nsp-r2"]);
    assert.deepEqual(b.got, [
      "all",
      "r1",
      "r1|r2",
      "array",
      "r1-r2",
      "not-d",
      "bcast-a",
      "a-to-r1",
      "a-except-r2",
    ]);
    assert.deepEqual(c.got, ["all", "r1|r2", "array", "not-d", "bcast-a", "direct-c", "nsp-r2"]);
    assert.deepEqual(d.got, ["all", "bcast-a", "a-except-r2"]);
    assert.deepEqual([...a.s.rooms].sort(), [a.s.id, "r1", "r2"].sort());
  });

  it("fetchSockets, socketsJoin, socketsLeave, disconnectSockets", async () => {
    await using h = await harness(factory);
    const sockets: ServerSocket[] = [];
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const connected = next<[ServerSocket]>(h.io, "connection");
      const c = h.client("/", { transports: ["websocket"] });
      clients.push(c);
      const [s] = await connected;
      await next(c, "connect");
      s.data = { i };
      sockets.push(s);
    }
    sockets[0]!.join("x");
    sockets[1]!.join("x");
    const inX = await h.io.in("x").fetchSockets();
    assert.deepEqual(inX.map((s) => (s.data as { i: number }).i).sort(), [0, 1]);
    h.io.in("x").socketsJoin("y");
    assert.ok(sockets[1]!.rooms.has("y"));
    h.io.in("y").socketsLeave("x");
    assert.equal(sockets[0]!.rooms.has("x"), false);
    const reason = next<[string]>(clients[2]!, "disconnect");
    h.io.except("y").disconnectSockets();
    assert.equal((await reason)[0], "io server disconnect");
    assert.equal(h.io.of("/").sockets.size, 2);
  });

  it("broadcast acks collect every response; timeout reports the missing ones", async () => {
    await using h = await harness(factory);
    const cs = [];
    for (const answer of ["a", "b", null]) {
      const c = h.client("/", { transports: ["websocket"] });
      c.on("vote", (ack: (v: string) => void) => {
        if (answer !== null) ack(answer);
      });
      await next(c, "connect");
      cs.push(c);
    }
    const [err, responses] = await new Promise<unknown[]>((resolve) =>
      h.io.timeout(1000).emit("vote", (...args: unknown[]) => resolve(args)),
    );
    assert.ok(err instanceof Error);
    assert.deepEqual((responses as string[]).sort(), ["a", "b"]);
    const silent = h.io.of("/").sockets.get(cs[2]!.id!)!;
    const left = next(silent, "disconnect");
    cs[2]!.disconnect();
    await left;
    assert.deepEqual(((await h.io.timeout(1000).emitWithAck("vote")) as string[]).sort(), ["a", "b"]);
  });

  it("namespaces multiplexed over one connection; invalid namespace", async () => {
    await using h = await harness(factory);
    for (const n of ["/", "/a", "/b"]) {
      h.io
        .of(n)
        .on("connection", (socket) => socket.on("who", (ack: (s: string) => void) => ack(socket.nsp.name)));
    }
    const manager = new Manager(h.url, { reconnection: false });
    const sockets = ["/", "/a", "/b"].map((n) => manager.socket(n));
    await Promise.all(sockets.map((s) => next(s, "connect")));
    assert.equal(h.io.engine.clientsCount, 1);
    assert.deepEqual(await Promise.all(sockets.map((s) => s.emitWithAck("who"))), ["/", "/a", "/b"]);
    const bad = manager.socket("/nope");
    const [err] = await next<[Error]>(bad, "connect_error");
    assert.equal(err.message, "Invalid namespace");
    for (const s of sockets) s.disconnect();
  });

  it("dynamic namespaces: RegExp and function parents, new_namespace", async () => {
    await using h = await harness(factory);
    const created: string[] = [];
    h.io.on("new_namespace", (nsp: { name: string }) => created.push(nsp.name));
    h.io.of(/^\/dyn-\d+$/).on("connection", (socket) => socket.emit("in", socket.nsp.name));
    h.io
      .of((name, _auth, cb) => cb(null, name === "/fn"))
      .on("connection", (socket) => socket.emit("in", "fn"));
    assert.deepEqual(await next(h.client("/dyn-1"), "in"), ["/dyn-1"]);
    assert.deepEqual(await next(h.client("/fn"), "in"), ["fn"]);
    assert.deepEqual(created, ["/dyn-1", "/fn"]);
  });

  it("middleware: order, data, error with data reaching the client", async () => {
    await using h = await harness(factory);
    h.io.use((socket, cb) => {
      socket.data.user = socket.handshake.auth.user;
      cb();
    });
    h.io.use((socket, cb) => {
      if (socket.data.user === "eve") {
        const err = new Error("forbidden") as Error & { data: unknown };
        err.data = { reason: "eve" };
        cb(err);
      } else cb();
    });
    const ok = h.client("/", { auth: { user: "ann" } });
    await next(ok, "connect");
    const bad = h.client("/", { auth: { user: "eve" } });
    const [err] = await next<[Error & { data: unknown }]>(bad, "connect_error");
    assert.equal(err.message, "forbidden");
    assert.deepEqual(err.data, { reason: "eve" });
    assert.equal(h.io.of("/").sockets.size, 1);
  });

  it("socket.use per-packet middleware and onAny / onAnyOutgoing", async () => {
    await using h = await harness(factory);
    const connected = next<[ServerSocket]>(h.io, "connection");
    const c = h.client("/", { transports: ["websocket"] });
    const [socket] = await connected;
    const any: string[] = [];
    const outgoing: string[] = [];
    socket.onAny((ev: string) => any.push(ev));
    socket.onAnyOutgoing((ev: string) => outgoing.push(ev));
    socket.use((packet, cb) => (packet[0] === "blocked" ? cb(new Error("blocked")) : cb()));
    const error = next<[Error]>(socket, "error");
    socket.on("echo", (v: unknown, ack: (x: unknown) => void) => ack(v));
    await next(c, "connect");
    c.emit("blocked");
    assert.equal((await error)[0].message, "blocked");
    assert.equal(await c.emitWithAck("echo", 1), 1);
    const out = next(c, "out");
    socket.emit("out");
    await out;
    assert.deepEqual(any, ["blocked", "echo"]);
    assert.deepEqual(outgoing, ["out"]);
  });

  it("binary payloads nested both ways", async () => {
    await using h = await harness(factory);
    h.io.on("connection", (socket) =>
      socket.on("bin", (p: { a: Buffer; list: [Buffer] }, ack: (x: unknown) => void) =>
        ack({ sum: [...p.a, ...p.list[0]].reduce((x, y) => x + y, 0), back: Buffer.from([7, 8]) }),
      ),
    );
    const c = h.client();
    await next(c, "connect");
    const answer = (await c.emitWithAck("bin", {
      a: new Uint8Array([1, 2]),
      list: [new Uint8Array([3]).buffer],
    })) as {
      sum: number;
      back: ArrayBuffer;
    };
    assert.equal(answer.sum, 6);
    assert.deepEqual([...new Uint8Array(answer.back)], [7, 8]);
  });

  it("disconnect reasons: client namespace, server namespace, transport close, server shutting down", async () => {
    const h = await harness(factory);
    const reasons: string[] = [];
    let reasonSeen: () => void = () => {};
    h.io.on("connection", (socket) => {
      socket.on("disconnect", (r: string) => {
        reasons.push(r);
        reasonSeen();
      });
      socket.on("kick", () => socket.disconnect());
    });
    const c1 = h.client();
    await next(c1, "connect");
    const d1 = next(c1, "disconnect");
    c1.disconnect();
    await d1;
    const c2 = h.client();
    await next(c2, "connect");
    const d2 = next<[string]>(c2, "disconnect");
    c2.emit("kick");
    assert.equal((await d2)[0], "io server disconnect");
    const c3 = h.client();
    await next(c3, "connect");
    const gone = new Promise<void>((resolve) => {
      reasonSeen = () => {
        if (reasons.length === 3) resolve();
      };
      reasonSeen();
    });
    c3.io.engine.close();
    await gone;
    const c4 = h.client();
    await next(c4, "connect");
    await h[Symbol.asyncDispose]();
    // Four connections, four reasons (connections are independent, so compare as a set).
    assert.deepEqual(reasons.sort(), [
      "client namespace disconnect",
      "server namespace disconnect",
      "server shutting down",
      "transport close",
    ]);
  });

  it("disconnecting: rooms still readable", async () => {
    await using h = await harness(factory);
    const connected = next<[ServerSocket]>(h.io, "connection");
    const c = h.client();
    const [socket] = await connected;
    await next(c, "connect");
    socket.join("kept");
    const rooms = new Promise<string[]>((resolve) =>
      socket.on("disconnecting", () => resolve([...socket.rooms])),
    );
    c.disconnect();
    assert.ok((await rooms).includes("kept"));
  });

  it("connection state recovery after a forced transport close", async () => {
    await using h = await harness(factory, { connectionStateRecovery: {} });
    const connected = next<[ServerSocket]>(h.io, "connection");
    const c = h.client("/", { transports: ["websocket"], reconnection: true, reconnectionDelay: 10 });
    const [first] = await connected;
    await next(c, "connect");
    first.join("room");
    const got: number[] = [];
    c.on("n", (n: number) => got.push(n));
    const live = next(c, "n");
    h.io.emit("n", 0);
    await live;
    const gone = next(first, "disconnect");
    c.io.engine.close();
    await gone;
    h.io.to("room").emit("n", 1);
    h.io.emit("n", 2);
    const again = next<[ServerSocket]>(h.io, "connection");
    await next(c, "connect");
    const [second] = await again;
    assert.equal(second.recovered, true);
    assert.equal(c.recovered, true);
    assert.equal(second.id, first.id);
    assert.ok(second.rooms.has("room"));
    assert.deepEqual(got, [0, 1, 2]);
  });

  it("wire: CONNECT replies, invalid namespace, middleware refusal", async () => {
    await using h = await harness(factory);
    h.io.of("/custom");
    h.io.of("/guarded").use((_s, cb) => cb(Object.assign(new Error("no"), { data: { x: 1 } })));
    h.io.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));
    const raw = new RawSocket(h.port);
    assert.match(
      (await raw.next()) as string,
      /^0\{"sid":"[^"]+","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/,
    );
    raw.send("40");
    assert.match((await raw.next()) as string, /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    assert.equal(await raw.next(), '42["auth",{}]');
    raw.send("40/custom");
    assert.match((await raw.next()) as string, /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    raw.send("40/random,");
    assert.equal(await raw.next(), '44/random,{"message":"Invalid namespace"}');
    raw.send("40/guarded,");
    assert.equal(await raw.next(), '44/guarded,{"message":"no","data":{"x":1}}');
    raw.send('42["x"]');
    raw.close();
  });

  it("wire: event and ack ids, binary ack, 41 keeps the connection", async () => {
    await using h = await harness(factory);
    const joined: ServerSocket[] = [];
    h.io.on("connection", (socket) => {
      joined.push(socket);
      socket.on("sum", (a: number, b: number, ack: (n: number) => void) => ack(a + b));
      socket.on("bin", (buf: Buffer, ack: (b: Buffer) => void) => ack(Buffer.from([...buf].reverse())));
      socket.emit("question", (answer: string) => socket.emit("got", answer));
    });
    const raw = new RawSocket(h.port);
    await raw.next();
    raw.send("40");
    await raw.next();
    assert.equal(await raw.next(), '420["question"]');
    raw.send('430["yes"]');
    assert.equal(await raw.next(), '42["got","yes"]');
    raw.send('42456["sum",1,2]');
    assert.equal(await raw.next(), "43456[3]");
    raw.send('451-789["bin",{"_placeholder":true,"num":0}]');
    raw.send(Buffer.from([1, 2, 3]));
    assert.equal(await raw.next(), '461-789[{"_placeholder":true,"num":0}]');
    assert.deepEqual([...((await raw.next()) as Buffer)], [3, 2, 1]);
    // Wait for the server to process 41 (socket.io handles packets one tick late).
    const left = next<[string]>(joined[0]!, "disconnect");
    raw.send("41");
    assert.equal((await left)[0], "client namespace disconnect");
    raw.send("40");
    assert.match((await raw.next()) as string, /^40\{"sid":/);
    raw.close();
  });

  it("wire: invalid packets and events before CONNECT close the connection", async () => {
    await using h = await harness(factory);
    for (const frames of [
      ['42["x"]'],
      ["40", "42{}"],
      ["40", '42["disconnect"]'],
      ["40", "4abc"],
      ["40", "40"],
    ]) {
      const raw = new RawSocket(h.port);
      await raw.next();
      const [first, ...rest] = frames;
      raw.send(first!);
      // A join is answered before the offending packet is sent (socket.io joins asynchronously).
      if (first === "40") assert.match((await raw.next()) as string, /^40\{/);
      for (const f of rest) raw.send(f);
      assert.equal(await raw.nextOrClose(), "closed", frames.join(" "));
    }
  });

  it("wire: connectTimeout closes a connection that never joins", async () => {
    await using h = await harness(factory, { connectTimeout: 50 });
    const raw = new RawSocket(h.port);
    await raw.next();
    assert.equal(await raw.nextOrClose(), "closed");
  });
}
