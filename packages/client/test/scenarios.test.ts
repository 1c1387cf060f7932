/**
 * The client scenario suite (issue 5 acceptance): every scenario runs against each server in
 * `serverFactories` — the official socket.io@4 server and, once usable, @plexus/server.
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { type ConnectOptions, io, type Socket } from "@plexus/client";
import { collector, deferred, next } from "./deferred.js";
import {
  type ScenarioOptions,
  type ScenarioServer,
  serverFactories,
  startServer,
  type TestServer,
} from "./servers.js";

type AnySocket = Socket;

for (const factory of serverFactories) {
  // A safety net for CI: a hung scenario fails the suite instead of blocking the run.
  describe(`client scenarios against ${factory.name}`, { timeout: 120_000 }, () => {
    async function server(t: TestContext, setup: (io: ScenarioServer) => void, opts?: ScenarioOptions) {
      const s = await startServer(factory, setup, opts);
      t.after(() => s.close());
      return s;
    }
    function client(t: TestContext, s: TestServer, nsp = "/", opts: ConnectOptions = {}): AnySocket {
      const socket = io(s.url + nsp, {
        forceNew: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 100,
        ...opts,
      });
      t.after(() => socket.disconnect());
      return socket;
    }
    async function connected(socket: AnySocket): Promise<void> {
      if (!socket.connected) await next(socket, "connect");
    }

    it("connects with an auth object and an auth function", async (t) => {
      const s = await server(t, (srv) => {
        srv.use((socket, nextFn) => {
          if (socket.handshake.auth.token === "secret") nextFn();
          else nextFn(Object.assign(new Error("not authorized"), { data: { reason: "token" } }));
        });
        srv.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));
      });
      const a = client(t, s, "/", { auth: { token: "secret" } });
      const [auth] = await next<[unknown]>(a, "auth");
      assert.deepEqual(auth, { token: "secret" });
      assert.equal(a.connected, true);
      assert.equal(typeof a.id, "string");

      const b = client(t, s, "/", { auth: (cb) => cb({ token: "secret", more: 1 }) });
      const [authB] = await next<[unknown]>(b, "auth");
      assert.deepEqual(authB, { token: "secret", more: 1 });

      const c = client(t, s, "/", { auth: { token: "wrong" } });
      const [err] = await next<[Error & { data?: unknown }]>(c, "connect_error");
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { reason: "token" });
      assert.equal(c.active, false, "a refused socket does not reconnect");
    });

    it("multiplexes namespaces over one engine connection", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => socket.emit("where", "/"));
        srv.of("/admin").on("connection", (socket) => socket.emit("where", "/admin"));
      });
      const main = io(s.url, { reconnection: false });
      const admin = io(`${s.url}/admin`, { reconnection: false });
      t.after(() => {
        main.disconnect();
        admin.disconnect();
      });
      assert.equal(main.io, admin.io, "one Manager per origin");
      const [[a], [b]] = await Promise.all([next<[string]>(main, "where"), next<[string]>(admin, "where")]);
      assert.equal(a, "/");
      assert.equal(b, "/admin");
      assert.notEqual(main.id, admin.id, "each namespace has its own socket id");
      assert.equal(s.io.engine.clientsCount, 1, "one engine connection");
      const other = io(s.url, { reconnection: false });
      t.after(() => other.disconnect());
      assert.notEqual(other.io, main.io, "a second socket for a connected namespace gets its own Manager");
    });

    it("acks with timeouts in both directions", async (t) => {
      const answer = deferred<unknown>();
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.on("fast", (value: number, ack: (v: number) => void) => ack(value * 2));
          socket.on("slow", () => {});
          socket.timeout(2000).emitWithAck("question", 21).then(answer.resolve, answer.reject);
        });
      });
      const socket = client(t, s);
      socket.on("question", (n: number, ack: (v: number) => void) => ack(n * 2));
      await connected(socket);
      const fast = deferred<unknown[]>();
      socket.timeout(2000).emit("fast", 4, (...args: unknown[]) => fast.resolve(args));
      assert.deepEqual(await fast.promise, [null, 8]);
      const slow = deferred<unknown[]>();
      socket.timeout(50).emit("slow", (...args: unknown[]) => slow.resolve(args));
      const [err] = await slow.promise;
      assert.ok(err instanceof Error);
      assert.equal(err.message, "operation has timed out");
      assert.equal(await answer.promise, 42, "the server's ack request was answered");
      const plain = deferred<unknown[]>();
      socket.emit("fast", 5, (...args: unknown[]) => plain.resolve(args));
      assert.deepEqual(await plain.promise, [10], "without timeout the ack gets the server's arguments only");
    });

    it("emitWithAck resolves with the ack and rejects on timeout", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.on("sum", (a: number, b: number, ack: (v: number) => void) => ack(a + b));
          socket.on("never", () => {});
        });
      });
      const socket = client(t, s);
      assert.equal(await socket.emitWithAck("sum", 2, 3), 5);
      assert.equal(await socket.timeout(1000).emitWithAck("sum", 1, 1), 2);
      await assert.rejects(socket.timeout(30).emitWithAck("never"), { message: "operation has timed out" });
    });

    it("retries an event until it is acked (at-least-once, in order)", async (t) => {
      const seen: string[] = [];
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.on("instant", (value: number, ack: (v: number) => void) => ack(value));
          socket.on("job", (name: string, ack: (v: string) => void) => {
            seen.push(name);
            // Ignore the first attempt of every job: the client must re-send it.
            if (seen.filter((n) => n === name).length >= 2) ack(`done ${name}`);
          });
        });
      });
      const socket = client(t, s, "/", { retries: 3, ackTimeout: 150 });
      const results = collector<unknown[]>(2);
      socket.emit("job", "a", (...args: unknown[]) => results.push(args));
      socket.emit("job", "b", (...args: unknown[]) => results.push(args));
      assert.deepEqual(await results.done, [
        [null, "done a"],
        [null, "done b"],
      ]);
      // At-least-once: a slow ack may cause one more copy, but "b" never starts before "a" is acked.
      assert.ok(seen.filter((n) => n === "a").length >= 2);
      assert.ok(seen.indexOf("b") > seen.lastIndexOf("a"), seen.join());

      const noTimeout = client(t, s, "/", { retries: 2 });
      const instant = deferred<unknown[]>();
      noTimeout.emit("instant", 5, (...args: unknown[]) => instant.resolve(args));
      assert.deepEqual(await instant.promise, [null, 5], "(err, ...response) even without ackTimeout");

      const failed = deferred<unknown[]>();
      socket.emit("unknown-job", (...args: unknown[]) => failed.resolve(args));
      const [err] = await failed.promise;
      assert.ok(err instanceof Error, "after the retries the ack gets the timeout error");
    });

    it("sends and receives binary nested anywhere", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.on("echo", (...args: unknown[]) => {
            const ack = args.pop() as (...a: unknown[]) => void;
            ack(...args);
          });
          socket.emit("push", Buffer.from([1, 2, 3]), { deep: [{ bytes: Buffer.from("hi") }] }, "text");
        });
      });
      const socket = client(t, s);
      const [pushed, nested, text] = await next<[Buffer, { deep: [{ bytes: Buffer }] }, string]>(
        socket,
        "push",
      );
      assert.ok(Buffer.isBuffer(pushed), "Node receives Buffers like the official client");
      assert.deepEqual([...pushed], [1, 2, 3]);
      assert.equal(nested.deep[0].bytes.toString(), "hi");
      assert.equal(text, "text");
      const big = new Uint8Array(200_000).map((_, i) => i % 251);
      const reply = await socket.emitWithAck(
        "echo",
        new Uint8Array([7, 8]),
        { list: [new Uint16Array([1, 2]).buffer, big] },
        new Blob([new Uint8Array([5, 6])]),
      );
      assert.deepEqual([...(reply as Buffer)], [7, 8]);
    });

    it("delivers every argument of a binary echo", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.on("echo", (a: unknown, b: unknown, c: unknown, ack: (...x: unknown[]) => void) =>
            ack(a, b, c),
          );
        });
      });
      const socket = client(t, s);
      await connected(socket);
      const big = new Uint8Array(200_000).map((_, i) => i % 251);
      const got = deferred<unknown[]>();
      socket.emit(
        "echo",
        new Uint8Array([7, 8]),
        { list: [new Uint16Array([1, 2]).buffer, big] },
        new Blob([new Uint8Array([5, 6])]),
        (...args: unknown[]) => got.resolve(args),
      );
      const [a, b, c] = (await got.promise) as [Buffer, { list: [Buffer, Buffer] }, Buffer];
      assert.deepEqual([...a], [7, 8]);
      assert.deepEqual([...b.list[0]], [1, 0, 2, 0]);
      assert.ok(Buffer.from(big).equals(b.list[1]), "200 kB round trip byte-identical");
      assert.deepEqual([...c], [5, 6], "Blob attachments are read and sent");
    });

    it("buffers emits while disconnected and sends them in order on connect", async (t) => {
      const received = collector<number>(3);
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => socket.on("n", (n: number) => received.push(n)));
      });
      const socket = client(t, s, "/", { autoConnect: false });
      socket.emit("n", 1);
      socket.emit("n", 2);
      socket.volatile.emit("n", 99);
      assert.equal(socket.sendBuffer.length, 2, "volatile events are not buffered");
      socket.emit("n", 3);
      socket.connect();
      assert.deepEqual(await received.done, [1, 2, 3]);
      assert.equal(socket.sendBuffer.length, 0);
    });

    it("reconnects after the server restarts on the same port", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => socket.emit("hello", socket.id));
      });
      const socket = client(t, s);
      const [firstId] = await next<[string]>(socket, "hello");
      const disconnected = next<[string]>(socket, "disconnect");
      await s.stop();
      const [reason] = await disconnected;
      // The close packet or the reset connection may come first, as with the official client.
      assert.ok(reason === "transport close" || reason === "transport error", reason);
      assert.equal(socket.active, true, "still active: it will reconnect");
      const reconnected = next<[number]>(socket.io, "reconnect");
      await s.start();
      const [secondId] = await next<[string]>(socket, "hello");
      const [attempts] = await reconnected;
      assert.ok(attempts >= 1);
      assert.notEqual(secondId, firstId, "a restarted server has no memory of the old socket");
      assert.equal(socket.connected, true);
      assert.equal(socket.recovered, false);
    });

    it("recovers missed events after a transport drop (connection state recovery)", async (t) => {
      let serverSocketDisconnected = deferred<string>();
      const s = await server(
        t,
        (srv) => {
          srv.on("connection", (socket) => {
            socket.join("room");
            socket.on("disconnect", (reason) => serverSocketDisconnected.resolve(reason));
            if (!socket.recovered) socket.emit("welcome", 1);
          });
        },
        { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } },
      );
      const socket = client(t, s, "/", { transports: ["websocket"] });
      const events: unknown[][] = [];
      socket.onAny((...args) => events.push(args));
      await next(socket, "welcome");
      const firstId = socket.id;
      s.io.to("room").emit("news", "before");
      await next(socket, "news");
      assert.deepEqual(
        events.map((e) => e.slice(0, 2)),
        [
          ["welcome", 1],
          ["news", "before"],
        ],
      );
      assert.ok(
        events.every((e) => e.length === 3 && typeof e[2] === "string"),
        "the recovery offset is passed on as the last argument, as socket.io-client does",
      );

      // Drop the transport without a close handshake, as a network failure would.
      const ws = (socket.io.engine as unknown as { transport: { ws: { terminate(): void } } }).transport.ws;
      const disconnected = next<[string]>(socket, "disconnect");
      const reconnected = next(socket, "connect");
      ws.terminate();
      assert.equal((await disconnected)[0], "transport close");
      await serverSocketDisconnected.promise;
      serverSocketDisconnected = deferred<string>();
      s.io.to("room").emit("news", "missed 1");
      s.io.to("room").emit("news", "missed 2");
      await reconnected;
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, firstId, "the session keeps its id");
      assert.deepEqual(
        events.slice(2).map((e) => e.slice(0, 2)),
        [
          ["news", "missed 1"],
          ["news", "missed 2"],
        ],
      );
    });

    for (const transports of [["polling"], ["websocket"]] as const) {
      it(`works with ${transports[0]} only`, async (t) => {
        const transportName = deferred<string>();
        const s = await server(t, (srv) => {
          srv.on("connection", (socket) => {
            transportName.resolve(socket.conn.transport.name);
            socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
          });
        });
        const socket = client(t, s, "/", { transports: [...transports] });
        assert.deepEqual(await socket.emitWithAck("echo", { x: "é😀" }), { x: "é😀" });
        assert.equal(await transportName.promise, transports[0]);
        assert.equal(socket.io.engine?.transport.name, transports[0]);
      });
    }

    it("upgrades from polling to websocket without losing or reordering events", async (t) => {
      const received = collector<number>(200);
      const firstTransport = deferred<string>();
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          firstTransport.resolve(socket.conn.transport.name);
          socket.on("n", (n: number) => received.push(n));
        });
      });
      const socket = client(t, s);
      // The engine exists as soon as io() returns: listen before anything can happen.
      const upgraded = next<[{ name: string }]>(socket.io.engine, "upgrade");
      await connected(socket);
      for (let i = 0; i < 100; i++) socket.emit("n", i);
      assert.equal((await upgraded)[0].name, "websocket");
      for (let i = 100; i < 200; i++) socket.emit("n", i);
      assert.deepEqual(
        await received.done,
        Array.from({ length: 200 }, (_, i) => i),
      );
      assert.equal(await firstTransport.promise, "polling");
      assert.equal(socket.io.engine.transport.name, "websocket");
    });

    it("reports Socket.IO's disconnect reasons", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => socket.on("kick", () => socket.disconnect()));
      });
      const a = client(t, s);
      await connected(a);
      a.emit("kick");
      assert.deepEqual(await next(a, "disconnect"), ["io server disconnect", undefined]);
      assert.equal(a.active, false);
      const b = client(t, s);
      await connected(b);
      const reason = next(b, "disconnect");
      b.disconnect();
      assert.deepEqual(await reason, ["io client disconnect", undefined]);
    });

    it("reports an unknown namespace and reconnects by hand after a server kick", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.emit("hello", socket.id);
          socket.on("kick", () => socket.disconnect());
        });
      });
      const ghost = client(t, s, "/ghost");
      const [err] = await next<[Error]>(ghost, "connect_error");
      assert.equal(err.message, "Invalid namespace");
      assert.equal(ghost.active, false);

      const socket = client(t, s);
      const [first] = await next<[string]>(socket, "hello");
      socket.emit("kick");
      assert.equal((await next<[string]>(socket, "disconnect"))[0], "io server disconnect");
      socket.connect();
      const [second] = await next<[string]>(socket, "hello");
      assert.notEqual(second, first);
      assert.equal(socket.connected, true);
    });

    it("detects a dead connection by the missing ping (ping timeout)", async (t) => {
      const s = await server(t, () => {}, { pingInterval: 100, pingTimeout: 100 });
      const socket = client(t, s, "/", { transports: ["websocket"], reconnection: false });
      await connected(socket);
      // Stop reading: neither the server's pings nor its close reach the engine, as with a frozen network.
      const ws = (
        socket.io.engine as unknown as { transport: { ws: { onmessage: unknown; onclose: unknown } } }
      ).transport.ws;
      ws.onmessage = null;
      ws.onclose = null;
      const [reason] = await next<[string]>(socket, "disconnect");
      assert.equal(reason, "ping timeout");
    });

    it("calls onAny and onAnyOutgoing listeners", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => socket.on("ping-me", () => socket.emit("pong-you", 1, "two")));
      });
      const socket = client(t, s);
      const incoming: unknown[][] = [];
      const outgoing: unknown[][] = [];
      socket.onAny((...args) => incoming.push(args));
      socket.onAnyOutgoing((...args) => outgoing.push(args));
      socket.emit("ping-me", { a: 1 });
      await next(socket, "pong-you");
      assert.deepEqual(outgoing, [["ping-me", { a: 1 }]]);
      assert.deepEqual(incoming, [["pong-you", 1, "two"]]);
      assert.throws(() => socket.emit("disconnect"), /reserved/);
    });

    it("falls back to the next transport with tryAllTransports", async (t) => {
      const control = { refuseWebSocket: true };
      const s = await server(
        t,
        (srv) => srv.on("connection", (socket) => socket.emit("via", socket.conn.transport.name)),
        {
          control,
        },
      );
      const strict = client(t, s, "/", { transports: ["websocket", "polling"], reconnection: false });
      const [err] = await next<[Error]>(strict, "connect_error");
      assert.equal(err.message, "websocket error");
      const lenient = client(t, s, "/", { transports: ["websocket", "polling"], tryAllTransports: true });
      assert.deepEqual(await next(lenient, "via"), ["polling"]);
    });

    it("starts with WebSocket after a successful upgrade with rememberUpgrade", async (t) => {
      const s = await server(t, (srv) =>
        srv.on("connection", (socket) => socket.emit("via", socket.conn.transport.name)),
      );
      const first = client(t, s);
      assert.deepEqual(await next(first, "via"), ["polling"]);
      if (first.io.engine?.transport.name !== "websocket") await next(first.io.engine!, "upgrade");
      const second = client(t, s, "/", { rememberUpgrade: true });
      assert.deepEqual(await next(second, "via"), ["websocket"]);
    });

    it("honours path, query and the connection timeout", async (t) => {
      const s = await server(
        t,
        (srv) => srv.on("connection", (socket) => socket.emit("query", socket.handshake.query.room)),
        { path: "/custom" },
      );
      const socket = client(t, s, "/", { path: "/custom", query: { room: "blue" } });
      assert.deepEqual(await next(socket, "query"), ["blue"]);
      const fromUrl = io(`${s.url}/?room=green`, { forceNew: true, path: "/custom" });
      t.after(() => fromUrl.disconnect());
      assert.deepEqual(await next(fromUrl, "query"), ["green"]);
      const wrongPath = client(t, s, "/", { reconnection: false, timeout: 20_000 });
      const [err] = await next<[Error]>(wrongPath, "connect_error");
      assert.equal(err.message, "xhr poll error", "the default path is not served");
    });

    it("emits Manager events around a failed reconnection", async (t) => {
      const s = await server(t, () => {});
      const socket = client(t, s, "/", { reconnectionAttempts: 2 });
      await connected(socket);
      const attempts: number[] = [];
      socket.io.on("reconnect_attempt", (n) => attempts.push(n));
      const errors = collector<Error>(2);
      socket.io.on("reconnect_error", (err) => errors.push(err));
      const failed = next(socket.io, "reconnect_failed");
      await s.stop();
      await failed;
      assert.deepEqual(attempts, [1, 2]);
      const [first] = await errors.done;
      assert.equal(first?.message, "xhr poll error");
    });
  });
}
