/**
 * socket.io-client behaviours an application relies on, each checked against the official socket.io server
 * (issue 15): `engine.binaryType = "arraybuffer"` in Node, `useNativeTimers` under a fake clock, and an emit
 * from a `connect` handler with `retries` that must reach the server once.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { io, type Socket } from "@plexus/client";
import { Server, type Socket as ServerSocket } from "socket.io";
import { deferred, next } from "./deferred.js";

async function officialServer(t: TestContext, setup: (server: Server) => void) {
  const http = createServer();
  const server = new Server(http);
  setup(server);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  t.after(() => server.close());
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe("client fidelity against socket.io@4", () => {
  for (const transport of ["websocket", "polling"] as const) {
    it(`engine.binaryType = "arraybuffer" gives ArrayBuffer instead of Buffer (${transport})`, {
      timeout: 20_000,
    }, async (t) => {
      const url = await officialServer(t, (server) =>
        server.on("connection", (socket) => {
          socket.on("send", () => socket.emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) }));
        }),
      );
      const plain: Socket = io(url, { forceNew: true, reconnection: false, transports: [transport] });
      const converted: Socket = io(url, { forceNew: true, reconnection: false, transports: [transport] });
      t.after(() => {
        plain.disconnect();
        converted.disconnect();
      });
      converted.io.engine.binaryType = "arraybuffer";

      const plainGot = next<[unknown, { nested: unknown }]>(plain, "bin");
      plain.emit("send");
      const [a, b] = await plainGot;
      assert.ok(Buffer.isBuffer(a) && Buffer.isBuffer(b.nested), "Node's default stays Buffer");

      const got = next<[unknown, { nested: unknown }]>(converted, "bin");
      converted.emit("send");
      const [x, y] = await got;
      assert.ok(x instanceof ArrayBuffer, `got ${Object.prototype.toString.call(x)}`);
      assert.deepEqual([...new Uint8Array(x)], [1, 2, 3]);
      assert.ok(y.nested instanceof ArrayBuffer);
      assert.deepEqual([...new Uint8Array(y.nested)], [4]);
    });
  }

  it("useNativeTimers: reconnection runs on the real clock while setTimeout is faked", {
    timeout: 20_000,
  }, async (t) => {
    let connections = 0;
    const url = await officialServer(t, (server) =>
      server.on("connection", (socket: ServerSocket) => {
        // The first connection is cut by the server's engine: the client must reconnect by itself.
        if (++connections === 1) socket.on("cut", () => socket.conn.close());
      }),
    );
    // The fake clock is installed after the client module loaded, as a test framework does; it never ticks.
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const socket: Socket = io(url, {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 10,
      reconnectionDelayMax: 20,
      useNativeTimers: true,
    });
    t.after(() => socket.disconnect());
    await next(socket, "connect");
    const reconnected = next<[number]>(socket.io, "reconnect");
    const connectedAgain = next(socket, "connect");
    socket.emit("cut");
    const [attempts] = await reconnected;
    assert.equal(attempts, 1);
    await connectedAgain;
    assert.equal(connections, 2);
  });

  it("retries: 1 and an emit in the connect handler: the server gets the packet once", {
    timeout: 20_000,
  }, async (t) => {
    const received: string[] = [];
    const url = await officialServer(t, (server) =>
      server.on("connection", (socket) =>
        socket.onAny((event: string, ...args: unknown[]) => {
          received.push(event);
          const ack = args[args.length - 1];
          if (typeof ack === "function") ack("ok");
        }),
      ),
    );
    const socket: Socket = io(url, { forceNew: true, reconnection: false, retries: 1, ackTimeout: 10_000 });
    t.after(() => socket.disconnect());
    const done = deferred<void>();
    socket.on("connect", () => {
      socket.emit("first", 1);
      socket.emit("last", 2, () => done.resolve());
    });
    await done.promise;
    assert.deepEqual(received, ["first", "last"]);
  });
});
