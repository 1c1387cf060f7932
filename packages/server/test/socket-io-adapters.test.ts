/**
 * Adapters written for socket.io on one Plexus server, in process: `socket.io-adapter`'s own `Adapter`
 * and `SessionAwareAdapter` (the base every official adapter extends) given as the `adapter` option, the
 * members they read (`io.encoder`, `nsp._ids`, `socket.acks`, `client.writeToEngine`...), and the
 * `adapter` option's forms and errors. The official cluster adapters across processes are in
 * test/official-adapters/.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InMemoryAdapter } from "@plexus/adapter";
import { type AdapterFactory, Server, ServerErrorCodes, type Socket } from "@plexus/server";
import { createAdapter as createRedisAdapter } from "@socket.io/redis-adapter";
import { Adapter, SessionAwareAdapter } from "socket.io-adapter";
import { Encoder } from "socket.io-parser";
import { next, startServer } from "./helpers.js";

test("io.encoder encodes as socket.io-parser's Encoder: text, namespace, ack id, binary attachments", async () => {
  await using s = await startServer();
  const reference = new Encoder();
  const packets = [
    { type: 2, nsp: "/", data: ["hello", 1, { a: [true, null] }] },
    { type: 2, nsp: "/admin", id: 12, data: ["q"] },
    { type: 3, nsp: "/", id: 4, data: ["answer"] },
    { type: 2, nsp: "/", data: ["bin", Buffer.from([1, 2]), { deep: [Buffer.from([3])] }] },
    { type: 3, nsp: "/chat", id: 9, data: [Buffer.from([255])] },
    { type: 0, nsp: "/", data: { sid: "abc" } },
    { type: 1, nsp: "/admin" },
  ];
  for (const packet of packets) {
    const ours = (s.io.encoder.encode(structuredClone(packet) as never) as unknown[]).map(normalise);
    const theirs = reference.encode(structuredClone(packet) as never).map(normalise);
    assert.deepEqual(ours, theirs, JSON.stringify(packet));
  }
});

function normalise(part: unknown): unknown {
  return typeof part === "string" ? part : [...(part as Uint8Array)];
}

test("socket.io-adapter's Adapter: rooms, except, binary and onAnyOutgoing; one broadcast is framed once", async () => {
  await using s = await startServer({ adapter: Adapter });
  assert.ok(s.io.of("/").adapter instanceof Adapter);
  const sockets: Socket[] = [];
  s.io.on("connection", (socket: Socket) => sockets.push(socket));
  const clients = [s.client(), s.client(), s.client()];
  await Promise.all(clients.map((c) => next(c, "connect")));
  const [a, b] = sockets as [Socket, Socket, Socket];
  a.join("room");
  b.join("room");
  const outgoing: unknown[][] = [];
  a.onAnyOutgoing((...args) => outgoing.push(args));

  let prepared = 0;
  const prepare = s.io.engine.prepare.bind(s.io.engine);
  s.io.engine.prepare = (...args: Parameters<typeof prepare>) => {
    prepared++;
    return prepare(...args);
  };
  const got = clients.map((c) => next<unknown[]>(c, "in-room"));
  s.io
    .to("room")
    .except(b.id)
    .emit("in-room", Buffer.from([7, 8]));
  s.io.emit("in-room", "to all");
  const [first, second, third] = await Promise.all(got);
  assert.deepEqual([...new Uint8Array(first![0] as ArrayBuffer)], [7, 8]);
  assert.deepEqual([second, third], [["to all"], ["to all"]]);
  assert.equal(prepared, 2, "one engine packet per broadcast, whatever the number of recipients");
  assert.equal(outgoing.length, 2);
  assert.deepEqual(outgoing[1], ["in-room", "to all"]);
});

test("socket.io-adapter's Adapter: broadcast ack ids never collide with a socket's own pending acks", async () => {
  await using s = await startServer({ adapter: Adapter });
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client();
  const [socket] = await connected;
  const held: Array<(v: string) => void> = [];
  c.on("own", (ack: (v: string) => void) => held.push(ack));
  c.on("all", (ack: (v: string) => void) => ack("broadcast answer"));
  const own = new Promise<string>((resolve) => socket.emit("own", resolve));
  await next(c, "own");
  // The socket's ack 0 is pending: the broadcast must take another id.
  const responses = await s.io.timeout(5000).emitWithAck("all");
  assert.deepEqual(responses, ["broadcast answer"]);
  held[0]!("own answer");
  assert.equal(await own, "own answer");
  // And the socket's next own ack id is past the broadcast's.
  const again = new Promise<string>((resolve) => socket.emit("all", resolve));
  assert.equal(await again, "broadcast answer");
});

test("socket.io-adapter's SessionAwareAdapter: connection state recovery with io.opts defaults filled in", async () => {
  await using s = await startServer({ adapter: SessionAwareAdapter, connectionStateRecovery: {} });
  assert.equal(s.io.opts.connectionStateRecovery?.maxDisconnectionDuration, 120_000);
  assert.equal(s.io.opts.connectionStateRecovery?.skipMiddlewares, true);
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"], reconnection: true, reconnectionDelay: 10 });
  const [first] = await connected;
  first.join("room");
  const got: unknown[] = [];
  c.on("news", (n: unknown) => got.push(n));
  const live = next(c, "news");
  s.io.emit("news", 0);
  await live;
  const gone = next(first, "disconnect");
  c.io.engine.close();
  await gone;
  s.io.to("room").emit("news", 1);
  const reconnected = next<[Socket]>(s.io, "connection");
  await next(c, "connect");
  const [second] = await reconnected;
  assert.equal(second.recovered, true);
  assert.equal(second.id, first.id);
  assert.deepEqual(got, [0, 1]);
  c.disconnect();
});

test("the adapter option takes a class, a function or an arrow function returning an adapter", async () => {
  const forms: AdapterFactory[] = [InMemoryAdapter, (nsp) => new Adapter(nsp), (nsp) => new Adapter(nsp)];
  for (const adapter of forms) {
    await using s = await startServer({ adapter });
    const c = s.client();
    await next(c, "connect");
    const got = next(c, "hi");
    s.io.emit("hi");
    await got;
  }
});

test("an adapter option that does not give an adapter is refused with a clear error", () => {
  const refused = (adapter: unknown, message: RegExp): void => {
    assert.throws(
      () => new Server({ adapter: adapter as AdapterFactory }),
      (err: Error & { code?: string }) =>
        err.code === ServerErrorCodes.INVALID_ARGUMENT && message.test(err.message),
    );
  };
  // `adapter: createAdapter` instead of `adapter: createAdapter(pubClient, subClient)`.
  refused(createRedisAdapter, /not createAdapter/);
  refused(async (nsp: never) => new InMemoryAdapter(nsp), /Promise/);
  refused(() => ({}), /no init, close/);
  refused("redis", /got string/);
});

test("io.adapter(v) with sockets connected: they keep their rooms in the new adapter, the old one is closed", async () => {
  await using s = await startServer();
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client();
  const [socket] = await connected;
  socket.join("room");
  const old = s.io.of("/").adapter;
  let closed = false;
  old.close = () => {
    closed = true;
  };
  s.io.adapter(Adapter);
  assert.ok(s.io.of("/").adapter instanceof Adapter);
  assert.equal(closed, true);
  assert.deepEqual([...socket.rooms].sort(), [socket.id, "room"].sort());
  const got = next<unknown[]>(c, "news");
  s.io.to("room").emit("news", "still here");
  assert.deepEqual(await got, ["still here"]);
});

test("an adapter whose init rejects: a process warning (PLEXUS_ADAPTER_ERROR), and the server keeps serving", async () => {
  class FailingInit extends Adapter {
    override init(): Promise<void> {
      return Promise.reject(new Error("broker unreachable"));
    }
  }
  const warned = new Promise<Error & { code?: string }>((resolve) => {
    const onWarning = (w: Error & { code?: string }): void => {
      if (w.code !== "PLEXUS_ADAPTER_ERROR") return;
      process.off("warning", onWarning);
      resolve(w);
    };
    process.on("warning", onWarning);
  });
  await using s = await startServer({ adapter: FailingInit });
  const warning = await warned;
  assert.match(warning.message, /adapter init \(namespace \/\) failed: broker unreachable/);
  const c = s.client();
  await next(c, "connect");
  const got = next(c, "hi");
  s.io.emit("hi");
  await got;
});
