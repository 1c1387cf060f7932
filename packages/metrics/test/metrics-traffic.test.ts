/**
 * The metrics against known traffic: N sockets connected give gauges of N, M events give counters of
 * M, bytes are the exact UTF-8 payload sizes, and disconnect reasons, refused handshakes, volatile
 * drops, slow consumers, outbound buffers and recovery are each provoked and counted. Every value is
 * read from a real scrape of GET /metrics, parsed by the strict format parser.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { deferred, httpRequest, next, RawPolling, startMetricsServer } from "./helpers.js";

/** Engine payload of a Socket.IO EVENT on the main namespace (what the byte counters count). */
function eventPayload(...data: unknown[]): string {
  return `2${JSON.stringify(data)}`;
}

test("connected sockets by namespace and transport: the gauges follow connections and disconnections", async () => {
  await using s = await startMetricsServer();
  s.io.of("/chat");
  const joined = (nsp: string, n: number): Promise<void> => {
    const done = deferred();
    let count = 0;
    s.io.of(nsp).on("connection", () => {
      if (++count === n) done.resolve();
    });
    return done.promise;
  };
  const all = Promise.all([joined("/", 5), joined("/chat", 1)]);
  for (let i = 0; i < 3; i++) s.client("/", { transports: ["websocket"] });
  for (let i = 0; i < 2; i++) s.client("/", { transports: ["polling"], upgrade: false });
  s.client("/chat", { transports: ["websocket"] });
  await all;

  let m = await s.scrape();
  assert.equal(m.value("plexus_connected_sockets", { namespace: "/", transport: "websocket" }), 3);
  assert.equal(m.value("plexus_connected_sockets", { namespace: "/", transport: "polling" }), 2);
  assert.equal(m.value("plexus_connected_sockets", { namespace: "/chat", transport: "websocket" }), 1);
  assert.equal(m.value("plexus_connected_sockets", { namespace: "/chat", transport: "polling" }), 0);
  assert.equal(m.value("plexus_engine_connections", { transport: "websocket" }), 4);
  assert.equal(m.value("plexus_engine_connections", { transport: "polling" }), 2);
  assert.equal(m.value("plexus_connections_total", { namespace: "/" }), 5);
  assert.equal(m.value("plexus_connections_total", { namespace: "/chat" }), 1);
  assert.equal(m.value("plexus_engine_connections_total", { transport: "websocket" }), 4);
  assert.equal(m.value("plexus_engine_connections_total", { transport: "polling" }), 2);
  for (const sample of m.series("plexus_connected_sockets")) assert.equal(sample.labels.node, "test-node");

  const left = next(s.io.of("/chat").sockets.values().next().value as Socket, "disconnect");
  s.clients[5]!.disconnect();
  await left;
  m = await s.scrape();
  assert.equal(m.value("plexus_connected_sockets", { namespace: "/chat", transport: "websocket" }), 0);
  assert.equal(m.value("plexus_connections_total", { namespace: "/chat" }), 1);
  assert.equal(
    m.value("plexus_disconnections_total", { namespace: "/chat", reason: "client namespace disconnect" }),
    1,
  );
});

test("M events in and K events out: packet counters move by exactly M and K, bytes by their UTF-8 size", async () => {
  await using s = await startMetricsServer();
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"] });
  const [socket] = await connected;
  await next(c, "connect");
  const before = await s.scrape();

  const M = 25;
  const texts = Array.from({ length: M }, (_, i) => `héllo ✓ ${i}`);
  const received = deferred();
  let n = 0;
  socket.on("msg", () => {
    if (++n === M) received.resolve();
  });
  for (const t of texts) c.emit("msg", t);
  await received.promise;

  const K = 7;
  const got = deferred();
  let k = 0;
  c.on("out", () => {
    if (++k === K) got.resolve();
  });
  for (let i = 0; i < K; i++) socket.emit("out", "ü".repeat(i));
  await got.promise;

  const after = await s.scrape();
  const delta = (name: string): number => after.value(name) - before.value(name);
  assert.equal(delta("plexus_packets_received_total"), M);
  const inBytes = texts.reduce((sum, t) => sum + Buffer.byteLength(eventPayload("msg", t)), 0);
  assert.equal(delta("plexus_received_bytes_total"), inBytes);
  assert.equal(delta("plexus_packets_sent_total"), K);
  let outBytes = 0;
  for (let i = 0; i < K; i++) outBytes += Buffer.byteLength(eventPayload("out", "ü".repeat(i)));
  assert.equal(delta("plexus_sent_bytes_total"), outBytes);
  assert.equal(delta("plexus_broadcast_deliveries_total"), 0);
});

test("binary attachments are messages of their own, counted with their exact length", async () => {
  await using s = await startMetricsServer();
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"] });
  const [socket] = await connected;
  await next(c, "connect");
  const before = await s.scrape();
  const arrived = next<[Buffer]>(socket, "file");
  c.emit("file", Buffer.alloc(1000, 7));
  await arrived;
  const after = await s.scrape();
  const header = `51-${JSON.stringify(["file", { _placeholder: true, num: 0 }])}`;
  assert.equal(
    after.value("plexus_packets_received_total") - before.value("plexus_packets_received_total"),
    2,
  );
  assert.equal(
    after.value("plexus_received_bytes_total") - before.value("plexus_received_bytes_total"),
    Buffer.byteLength(header) + 1000,
  );
});

test("a broadcast to a room of R sockets counts R deliveries, R packets and R times its bytes", async () => {
  await using s = await startMetricsServer();
  const R = 4;
  s.io.on("connection", (socket) => {
    if (socket.handshake.auth.member === true) socket.join("room");
  });
  const members = Array.from({ length: R }, () =>
    s.client("/", { transports: ["websocket"], auth: { member: true } }),
  );
  const outsider = s.client("/", { transports: ["websocket"] });
  await Promise.all([...members, outsider].map((c) => next(c, "connect")));
  const before = await s.scrape();
  outsider.on("news", () => assert.fail("the outsider is not in the room"));
  const all = Promise.all(members.map((c) => next(c, "news")));
  s.io.to("room").emit("news", "flash");
  await all;
  const after = await s.scrape();
  const delta = (name: string): number => after.value(name) - before.value(name);
  assert.equal(delta("plexus_broadcast_deliveries_total"), R);
  assert.equal(delta("plexus_packets_sent_total"), R);
  assert.equal(delta("plexus_sent_bytes_total"), R * Buffer.byteLength(eventPayload("news", "flash")));
  assert.equal(after.value("plexus_rooms", { namespace: "/" }), 1);
});

test("disconnections are counted by reason, and the engine's closes by theirs", async () => {
  await using s = await startMetricsServer();
  const sockets: Socket[] = [];
  const three = deferred();
  s.io.on("connection", (socket) => {
    if (sockets.push(socket) === 3) three.resolve();
  });
  const clients = [0, 1, 2].map(() => s.client("/", { transports: ["websocket"] }));
  await Promise.all([three.promise, ...clients.map((c) => next(c, "connect"))]);
  const reasons: string[] = [];
  const gone = Promise.all(
    sockets.map((socket) => next<[string]>(socket, "disconnect").then(([r]) => reasons.push(r))),
  );
  const byId = new Map(sockets.map((socket) => [socket.id, socket]));
  byId.get(clients[0]!.id!)!.disconnect(); // server namespace disconnect
  clients[1]!.disconnect(); // client namespace disconnect
  byId.get(clients[2]!.id!)!.conn.close(); // forced server close of the engine connection
  await gone;
  const m = await s.scrape();
  assert.deepEqual(reasons.sort(), [
    "client namespace disconnect",
    "forced close",
    "server namespace disconnect",
  ]);
  for (const reason of reasons) {
    assert.equal(m.value("plexus_disconnections_total", { namespace: "/", reason }), 1, reason);
  }
  assert.equal(m.series("plexus_disconnections_total").length, 3);
  assert.equal(m.value("plexus_engine_disconnections_total", { reason: "forced close" }), 1);
});

test("refused requests are counted by Engine.IO error code", async () => {
  await using s = await startMetricsServer({
    allowRequest: (req, fn) => fn(null, !req.url?.includes("deny")),
  });
  const base = "/socket.io/?EIO=4&transport=polling";
  const answers = await Promise.all([
    httpRequest(s.port, "/socket.io/?EIO=4&transport=carrier-pigeon"), // 0 Transport unknown
    httpRequest(s.port, `${base}&sid=nope`), // 1 Session ID unknown
    httpRequest(s.port, `${base}&sid=nope`), // 1 again
    httpRequest(s.port, base, "POST", "1"), // 2 Bad handshake method
    httpRequest(s.port, `${base}&deny=1`), // 4 Forbidden
    httpRequest(s.port, "/socket.io/?EIO=3&transport=polling"), // 5 Unsupported protocol version
  ]);
  assert.deepEqual(
    answers.map((a) => a.status),
    [400, 400, 400, 400, 403, 400],
  );
  const m = await s.scrape();
  const byCode = Object.fromEntries(
    m.series("plexus_handshake_errors_total").map((x) => [x.labels.code, x.value]),
  );
  assert.deepEqual(byCode, { 0: 1, 1: 2, 2: 1, 3: 0, 4: 1, 5: 1 });
  assert.equal(m.value("plexus_handshake_errors_total", { code: "1" }), 2);
  assert.equal(
    m.series("plexus_handshake_errors_total").find((x) => x.labels.code === "4")?.labels.message,
    "Forbidden",
  );
});

test("a polling session that does not poll: volatile drops, outbound buffer bytes, then a slow-consumer close", async () => {
  await using s = await startMetricsServer({ maxOutboundBytes: 5000 });
  const raw = new RawPolling(s.port);
  await raw.open();
  const connected = next<[Socket]>(s.io, "connection");
  await raw.send("40");
  const [socket] = await connected;
  // No GET is pending: the CONNECT reply waits in the session's queue.
  let m = await s.scrape();
  const connectReply = `40{"sid":"${socket.id}"}`;
  assert.equal(m.value("plexus_outbound_buffer_bytes"), connectReply.length);
  assert.equal(m.value("plexus_outbound_buffer_max_bytes"), connectReply.length);

  socket.volatile.emit("tick", 1); // direct emit: dropped by the socket layer
  s.io.volatile.emit("tick", 2); // broadcast: dropped by the engine
  const big = "x".repeat(1000);
  socket.emit("big", big);
  m = await s.scrape();
  assert.equal(m.value("plexus_volatile_drops_total"), 2);
  assert.equal(
    m.value("plexus_outbound_buffer_bytes"),
    connectReply.length + 1 + eventPayload("big", big).length,
  );

  const closed = next<[string]>(socket, "disconnect");
  socket.emit("big", "y".repeat(5000));
  assert.equal((await closed)[0], "slow consumer");
  m = await s.scrape();
  assert.equal(m.value("plexus_slow_consumer_disconnects_total"), 1);
  assert.equal(m.value("plexus_engine_disconnections_total", { reason: "slow consumer" }), 1);
  assert.equal(m.value("plexus_disconnections_total", { namespace: "/", reason: "slow consumer" }), 1);
  assert.equal(m.value("plexus_outbound_buffer_bytes"), 0);
});

test("recovery: a recovered session is a hit, an unknown one a miss; the store's sizes are gauges", async () => {
  await using s = await startMetricsServer({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"] });
  const [first] = await connected;
  await next(c, "connect");
  s.io.emit("tick", 1); // gives the client an offset to come back with
  await next(c, "tick");
  const gone = next(first, "disconnect");
  c.io.engine.close();
  await gone;
  let m = await s.scrape();
  assert.equal(m.value("plexus_recovery_sessions", { namespace: "/" }), 1);
  assert.equal(m.value("plexus_recovery_packets", { namespace: "/" }), 1);

  // Back with its private session id and the offset of the last event it saw.
  const again = next<[Socket]>(s.io, "connection");
  c.connect();
  assert.equal((await again)[0].recovered, true);
  const stranger = next<[Socket]>(s.io, "connection");
  s.client("/", { transports: ["websocket"], auth: { pid: "unknown", offset: "nowhere" } });
  assert.equal((await stranger)[0].recovered, false);

  m = await s.scrape();
  assert.equal(m.value("plexus_recovery_attempts_total", { namespace: "/", result: "hit" }), 1);
  assert.equal(m.value("plexus_recovery_attempts_total", { namespace: "/", result: "miss" }), 1);
  assert.equal(m.value("plexus_recovery_sessions", { namespace: "/" }), 0);
  assert.equal(m.value("plexus_connections_total", { namespace: "/" }), 3);
});

test("refused CONNECTs: by a namespace middleware (labelled) or to an unknown namespace (unlabelled)", async () => {
  await using s = await startMetricsServer();
  s.io.of("/private").use((_socket, nextFn) => nextFn(new Error("no entry")));
  const refused = next(s.client("/private"), "connect_error");
  const unknown = next(s.client("/nowhere"), "connect_error");
  await Promise.all([refused, unknown]);
  const m = await s.scrape();
  assert.equal(m.value("plexus_connect_errors_total", { namespace: "/private", reason: "middleware" }), 1);
  assert.equal(m.value("plexus_connect_errors_total", { namespace: "", reason: "invalid namespace" }), 1);
  assert.equal(
    m.series("plexus_connected_sockets").some((x) => x.labels.namespace === "/nowhere"),
    false,
  );
});

test("namespaceLabel groups dynamic namespaces under one label", async () => {
  await using s = await startMetricsServer(
    {},
    { namespaceLabel: (name) => (name.startsWith("/user-") ? "/user-*" : name) },
  );
  s.io.of(/^\/user-\d+$/);
  const both = Promise.all([next(s.client("/user-1"), "connect"), next(s.client("/user-2"), "connect")]);
  await both;
  const m = await s.scrape();
  assert.equal(
    m.value("plexus_connected_sockets", { namespace: "/user-*", transport: "websocket" }) +
      m.value("plexus_connected_sockets", { namespace: "/user-*", transport: "polling" }),
    2,
  );
  assert.equal(m.value("plexus_connections_total", { namespace: "/user-*" }), 2);
  const labels = new Set(m.series("plexus_connected_sockets").map((x) => x.labels.namespace));
  assert.deepEqual([...labels].sort(), ["/", "/user-*"]);
});
