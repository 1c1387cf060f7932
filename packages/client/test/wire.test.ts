/**
 * Wire-level tests: the client against a scripted polling peer, asserting the exact Engine.IO / Socket.IO
 * strings of PROTOCOL.md (handshake query, CONNECT with auth, pong, binary placeholders, acks, batching).
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { type ConnectOptions, io, type Socket } from "@plexus/client";
import { deferred, next } from "./deferred.js";
import { openPacket, RawPollingServer } from "./raw-polling-server.js";

async function setup(t: TestContext, opts: ConnectOptions = {}, maxPayload = 1e6) {
  const server = await RawPollingServer.start();
  const socket = io(server.url, { forceNew: true, transports: ["polling"], reconnection: false, ...opts });
  t.after(async () => {
    socket.disconnect();
    await server.close();
  });
  const handshake = await server.next("GET");
  handshake.respond(openPacket("SID", maxPayload));
  return { server, socket, handshake };
}

/** Completes the namespace CONNECT: returns the CONNECT body the client sent. */
async function connect(server: RawPollingServer, socket: Socket): Promise<string> {
  const body = await server.post();
  const poll = await server.next("GET");
  const connected = next(socket, "connect");
  poll.respond('40{"sid":"S1"}');
  await connected;
  return body;
}

describe("client wire format (polling)", { timeout: 60_000 }, () => {
  it("handshakes with EIO=4, sends CONNECT with auth and the sid afterwards", async (t) => {
    const { server, socket, handshake } = await setup(t, {
      auth: { token: "abc" },
      query: { room: "r1" },
      extraHeaders: { "x-demo": "yes" },
    });
    assert.equal(handshake.method, "GET");
    assert.equal(handshake.path, "/socket.io/");
    assert.equal(handshake.query.get("EIO"), "4");
    assert.equal(handshake.query.get("transport"), "polling");
    assert.equal(handshake.query.get("room"), "r1");
    assert.equal(handshake.query.has("sid"), false);
    assert.ok(handshake.query.get("t"), "cache buster");
    assert.equal(handshake.headers["x-demo"], "yes", "extraHeaders in Node");
    const body = await connect(server, socket);
    assert.equal(body, '40{"token":"abc"}');
    assert.equal(socket.id, "S1");
  });

  it("sends one CONNECT per namespace even when connect() is called again while joining", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    const admin = socket.io.socket("/admin");
    admin.connect();
    assert.equal(await server.post(), "40/admin,");
    const connected = next(admin, "connect");
    (await server.next("GET")).respond('40/admin,{"sid":"A1"}');
    await connected;
    assert.equal(admin.id, "A1");
    assert.equal(socket.io.nsps["/admin"], admin);
  });

  it("uses the path as given with addTrailingSlash: false", async (t) => {
    const { handshake } = await setup(t, { path: "/rt", addTrailingSlash: false });
    assert.equal(handshake.path, "/rt");
  });

  it("answers a ping with a pong and emits the Manager's ping event", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    const pinged = next(socket.io, "ping");
    (await server.next("GET")).respond("2");
    await pinged;
    assert.equal(await server.post(), "3");
  });

  it("sends binary as a placeholder header plus b64 records, and decodes them back", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    socket.emit("up", { file: new Uint8Array([1, 2, 3]) }, "x");
    assert.equal(await server.post(), '451-["up",{"file":{"_placeholder":true,"num":0}},"x"]\x1ebAQID');
    const got = next<[Buffer]>(socket, "down");
    (await server.next("GET")).respond('451-["down",{"_placeholder":true,"num":0}]\x1ebBAU=');
    const [bytes] = await got;
    assert.deepEqual([...bytes], [4, 5]);
  });

  it("numbers acks from 0 and calls the matching callback once", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    const acked = deferred<unknown[]>();
    socket.emit("question", 1, (...args: unknown[]) => acked.resolve(args));
    assert.equal(await server.post(), '420["question",1]');
    (await server.next("GET")).respond("430[42]\x1e430[43]");
    assert.deepEqual(await acked.promise, [42]);
  });

  it("answers the server's ack requests with the same id", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    socket.on("ask", (n: number, ack: (v: number) => void) => {
      ack(n + 1);
      ack(n + 2);
    });
    (await server.next("GET")).respond('4212["ask",1]');
    assert.equal(await server.post(), "4312[2]", "acked once, with id 12");
  });

  it("joins a namespace with its name and keeps the recovery offset as the last argument", async (t) => {
    const server = await RawPollingServer.start();
    const socket = io(`${server.url}/chat`, { forceNew: true, transports: ["polling"], reconnection: false });
    t.after(async () => {
      socket.disconnect();
      await server.close();
    });
    (await server.next("GET")).respond(openPacket("SID"));
    assert.equal(await server.post(), "40/chat,");
    const connected = next(socket, "connect");
    (await server.next("GET")).respond('40/chat,{"sid":"S2","pid":"P1"}');
    await connected;
    const news = next(socket, "news");
    (await server.next("GET")).respond('42/chat,["news","hello","OFFSET-1"]');
    assert.deepEqual(await news, ["hello", "OFFSET-1"]);
  });

  it("sends pid and the last offset in CONNECT when reconnecting (recovery)", async (t) => {
    const server = await RawPollingServer.start();
    const socket = io(server.url, {
      forceNew: true,
      transports: ["polling"],
      reconnectionDelay: 1,
      auth: { a: 1 },
    });
    t.after(async () => {
      socket.disconnect();
      await server.close();
    });
    (await server.next("GET")).respond(openPacket("SID1"));
    assert.equal(await server.post(), '40{"a":1}');
    (await server.next("GET")).respond('40{"sid":"S1","pid":"P1"}\x1e42["news",1,"OFF-7"]');
    const disconnected = next(socket, "disconnect");
    (await server.next("GET")).respond("1");
    assert.deepEqual(await disconnected, [
      "transport close",
      { description: "transport closed by the server" },
    ]);
    (await server.next("GET")).respond(openPacket("SID2"));
    assert.equal(await server.post(), '40{"pid":"P1","offset":"OFF-7","a":1}');
    const events: unknown[][] = [];
    socket.onAny((...args) => events.push(args));
    const connected = next(socket, "connect");
    // The official server replays missed events before the CONNECT reply (§B5).
    (await server.next("GET")).respond('42["news",2,"OFF-8"]\x1e40{"sid":"S1","pid":"P1"}');
    await connected;
    assert.equal(socket.recovered, true);
    assert.deepEqual(events, [["news", 2, "OFF-8"]]);
  });

  it("splits buffered packets into POSTs of at most maxPayload bytes", async (t) => {
    const { server, socket } = await setup(t, {}, 1000);
    await connect(server, socket);
    const text = "x".repeat(90);
    socket.emit("n", 0, text);
    const first = await server.next("POST");
    for (let i = 1; i < 30; i++) socket.emit("n", i, text);
    first.respond("ok");
    const seen: number[] = [0];
    while (seen.length < 30) {
      const body = await server.post();
      assert.ok(Buffer.byteLength(body) <= 1000, `POST of ${Buffer.byteLength(body)} bytes`);
      for (const record of body.split("\x1e")) seen.push(JSON.parse(record.slice(2))[1]);
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  it("closes with DISCONNECT then the engine close packet", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    const reason = next(socket, "disconnect");
    socket.disconnect();
    const bodies: string[] = [];
    while (!bodies.join("\x1e").split("\x1e").includes("1")) bodies.push(await server.post());
    assert.equal(bodies.join("\x1e"), "41\x1e1");
    assert.deepEqual(await reason, ["io client disconnect", undefined]);
  });

  it("buffers an emit and closes with ping timeout when the heartbeat deadline passed unnoticed", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    // A device waking from sleep: the clock jumped past pingInterval + pingTimeout, the timer has not fired yet.
    const realNow = Date.now;
    Date.now = () => realNow() + 60_000;
    t.after(() => {
      Date.now = realNow;
    });
    const reason = next<[string]>(socket, "disconnect");
    socket.emit("late", 1);
    assert.equal(
      socket.sendBuffer.length,
      1,
      "kept for the next connection instead of written to a dead one",
    );
    assert.equal((await reason)[0], "ping timeout");
  });

  it("closes the connection with reason parse error on a malformed packet", async (t) => {
    const { server, socket } = await setup(t);
    await connect(server, socket);
    const reason = next<[string]>(socket, "disconnect");
    (await server.next("GET")).respond('42{"not":"an array"}');
    assert.equal((await reason)[0], "parse error");
  });

  it("gives up after the Manager's timeout with connect_error timeout", async (t) => {
    const server = await RawPollingServer.start();
    const socket = io(server.url, {
      forceNew: true,
      transports: ["polling"],
      reconnection: false,
      timeout: 50,
    });
    t.after(async () => {
      socket.disconnect();
      await server.close();
    });
    await server.next("GET"); // never answered
    const [err] = await next<[Error & { code?: string }]>(socket, "connect_error");
    assert.equal(err.message, "timeout");
    assert.equal(err.code, "ERR_CONNECT_TIMEOUT");
  });
});
