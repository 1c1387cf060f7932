/**
 * The parts of socket.io-client's public API that applications reach for beyond emit/on, against every server:
 * `socket.io` (the Manager) and its getter/setters, `socket.io.engine` (transport name, `upgrade`, `packet`,
 * `packetCreate`, `close`), `send`, `compress`, `volatile`, `hasListeners`, `protocol`.
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { io, Manager, protocol, Socket } from "@plexus/client";
import { collector, next } from "./deferred.js";
import { serverFactories, startServer } from "./servers.js";

for (const factory of serverFactories) {
  describe(`socket.io-client API against ${factory.name}`, { timeout: 60_000 }, () => {
    async function setup(t: TestContext) {
      const s = await startServer(factory, (srv) =>
        srv.on("connection", (socket) => {
          socket.on("message", (...args: unknown[]) => socket.emit("got-message", ...args));
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
        }),
      );
      t.after(() => s.close());
      return s;
    }

    it("exposes the Manager and its getter/setters", async (t) => {
      const s = await setup(t);
      const socket = io(s.url, { forceNew: true, reconnectionAttempts: 3, reconnectionDelay: 200 });
      t.after(() => socket.disconnect());
      assert.equal(protocol, 5);
      assert.ok(socket instanceof Socket);
      assert.ok(socket.io instanceof Manager);
      const m = socket.io;
      assert.equal(m.reconnection(), true);
      assert.equal(m.reconnectionAttempts(), 3);
      assert.equal(m.reconnectionDelay(), 200);
      assert.equal(m.reconnectionDelayMax(), 5000);
      assert.equal(m.randomizationFactor(), 0.5);
      assert.equal(m.timeout(), 20000);
      assert.equal(
        m.reconnection(false).reconnectionDelayMax(3000).randomizationFactor(0),
        m,
        "setters chain",
      );
      assert.equal(m.reconnection(), false);
      assert.equal(m.reconnectionDelayMax(), 3000);
      assert.equal(m.randomizationFactor(), 0);
      await next(socket, "connect");
      assert.equal(socket.io.engine.readyState, "open");
      assert.equal(typeof socket.io.engine.id, "string");
    });

    it("reports the engine's transport, upgrade, packet and packetCreate events", async (t) => {
      const s = await setup(t);
      const socket = io(s.url, { forceNew: true, reconnection: false });
      t.after(() => socket.disconnect());
      const engine = socket.io.engine;
      const incoming: string[] = [];
      const outgoing: string[] = [];
      engine.on("packet", (p) => incoming.push(p.type));
      engine.on("packetCreate", (p) => outgoing.push(p.type));
      const handshake = next<[{ sid: string; upgrades: string[]; pingInterval: number }]>(
        engine,
        "handshake",
      );
      const upgrading = next<[{ name: string }]>(engine, "upgrading");
      const upgrade = next<[{ name: string }]>(engine, "upgrade");
      assert.equal(engine.transport.name, "polling");
      const [data] = await handshake;
      assert.equal(data.sid, engine.id);
      assert.deepEqual(data.upgrades, ["websocket"]);
      assert.equal(typeof data.pingInterval, "number");
      const [probe] = await upgrading;
      assert.equal(probe.name, "websocket");
      const [upgraded] = await upgrade;
      assert.equal(upgraded.name, "websocket");
      assert.equal(socket.io.engine.transport.name, "websocket");
      assert.equal(await socket.emitWithAck("echo", 1), 1);
      assert.ok(incoming.includes("open") && incoming.includes("message"), incoming.join());
      assert.ok(outgoing.includes("message"), outgoing.join());
      const closed = next<[string]>(engine, "close");
      socket.disconnect();
      assert.equal((await closed)[0], "forced close");
    });

    it("send() emits `message`; compress(false) and volatile still deliver when connected", async (t) => {
      const s = await setup(t);
      const socket = io(s.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      t.after(() => socket.disconnect());
      await next(socket, "connect");
      const got = collector<unknown[]>(3);
      socket.on("got-message", (...args: unknown[]) => got.push(args));
      assert.equal(socket.hasListeners("got-message"), true);
      assert.equal(socket.hasListeners("nothing"), false);
      socket.volatile.send("c");
      socket.send("a", 1);
      socket.compress(false).send("b");
      assert.deepEqual(await got.done, [["c"], ["a", 1], ["b"]]);
      socket.off("got-message");
      assert.equal(socket.hasListeners("got-message"), false);
    });

    it("reads socket.io.opts.query and socket.auth again on each reconnection", async (t) => {
      const s = await startServer(factory, (srv) =>
        srv.on("connection", (socket) => {
          socket.emit("hello", socket.handshake.query.v, socket.handshake.auth);
          socket.on("drop", () => socket.conn.close());
        }),
      );
      t.after(() => s.close());
      const socket = io(s.url, {
        forceNew: true,
        reconnectionDelay: 10,
        reconnectionDelayMax: 20,
        query: { v: "1" },
        auth: { n: 1 },
      });
      t.after(() => socket.disconnect());
      assert.deepEqual(await next(socket, "hello"), ["1", { n: 1 }]);
      socket.io.on("reconnect_attempt", () => {
        socket.io.opts.query = { v: "2" };
        socket.auth = { n: 2 };
      });
      const again = next(socket, "hello");
      const [reason, details] = await Promise.all([
        next<[string, { description: string }]>(socket, "disconnect"),
        socket.emit("drop"),
      ]).then(([args]) => args);
      assert.equal(reason, "transport close");
      assert.equal(typeof details.description, "string");
      assert.deepEqual(await again, ["2", { n: 2 }]);
    });
  });
}
