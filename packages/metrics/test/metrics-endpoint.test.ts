/**
 * The metrics as an operator meets them: the /metrics route on the app's own HTTP server, a registry of
 * the app's, the names and labels Prometheus expects, the event-loop lag, and nothing at all while
 * metrics are off.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { enableMetrics } from "@plexus/metrics";
import { Server, type Socket } from "@plexus/server";
import { Counter, Registry } from "prom-client";
import { parsePrometheusText } from "../../../test-support/prometheus-text.js";
import { RawHttpConnection } from "../../engine/test/raw-http-connection.js";
import { httpRequest, next, Scrape, scrapeHttp, startMetricsServer, startServer } from "./helpers.js";

/** An app server with its own request handler, a Plexus server on it, metrics mounted. */
async function startApp(): Promise<{ io: Server; port: number; close(): Promise<void> }> {
  const http = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("app");
  });
  const io = new Server(http);
  const metrics = enableMetrics(io).mount();
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    port,
    async close() {
      metrics.close();
      await io.close();
    },
  };
}

test("mount(): GET /metrics on the app's server, every other request still reaches the app", async () => {
  const app = await startApp();
  try {
    const scrape = await scrapeHttp(app.port);
    assert.ok(scrape.families.has("plexus_connected_sockets"));
    await scrapeHttp(app.port, "/metrics?debug=1");
    const other = await httpRequest(app.port, "/metrics/deeper");
    assert.equal(other.body, "app");
    assert.equal((await httpRequest(app.port, "/")).body, "app");
    const post = await httpRequest(app.port, "/metrics", "POST", "x");
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
    const head = await httpRequest(app.port, "/metrics", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    // The engine is still reached through the route, and still serves its bundle.
    assert.equal((await httpRequest(app.port, "/socket.io/socket.io.js")).status, 200);
  } finally {
    await app.close();
  }
});

/** Resolves once `condition` holds, checking at each turn of the event loop (no sleep). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

test("after mount(), polls on a keep-alive connection are still read off node:http by the engine", async () => {
  const app = await startApp();
  const a = await RawHttpConnection.open(app.port);
  const b = await RawHttpConnection.open(app.port);
  try {
    const open = await a.exchange("/socket.io/?EIO=4&transport=polling");
    const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
    const poll = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const held = async (): Promise<void> => {
      await until(() => app.io.engine.clients[sid]?.transport.writable === true);
      await new Promise((resolve) => setImmediate(resolve)); // the takeover runs in the check phase
    };
    a.request(poll);
    await held();
    assert.equal(app.io.engine._ownedCount, 1);
    assert.equal((await b.exchange(poll, { body: "40" })).body, "ok");
    assert.match((await a.next()).body, /^40\{"sid":/);
    const before = app.io.engine._ownedRequests;
    a.request(poll); // read on the connection the engine owns, unless the route hid the engine from it
    await held();
    assert.equal(app.io.engine._ownedRequests, before + 1);
  } finally {
    a.destroy();
    b.destroy();
    await app.close();
  }
});

test("close() takes the route and the metrics away; the app's handler answers /metrics again", async () => {
  const app = await startApp();
  try {
    const registryText = await httpRequest(app.port, "/metrics");
    assert.equal(registryText.status, 200);
    const http = app.io.httpServer!;
    const [listener] = http.listeners("request");
    const metrics = enableMetrics(app.io, { registry: new Registry() }).mount(http, "/other-metrics");
    assert.equal((await httpRequest(app.port, "/other-metrics")).status, 200);
    metrics.close();
    assert.equal((await httpRequest(app.port, "/other-metrics")).body, "app");
    assert.deepEqual(http.listeners("request"), [listener]);
    assert.deepEqual(await metrics.registry.getMetricsAsJSON(), []);
  } finally {
    await app.close();
  }
});

test("mount() without an HTTP server is an ERR_INVALID_ARGUMENT error", () => {
  const io = new Server();
  const metrics = enableMetrics(io);
  try {
    assert.throws(() => metrics.mount(), { name: "ServerError", code: "ERR_INVALID_ARGUMENT" });
  } finally {
    metrics.close();
  }
});

test("an existing registry: Plexus's metrics are served next to the app's, and leave it on close()", async () => {
  await using s = await startServer();
  const registry = new Registry();
  const appRequests = new Counter({
    name: "app_requests_total",
    help: "App requests.",
    registers: [registry],
  });
  appRequests.inc(3);
  const metrics = enableMetrics(s.io, { registry, node: "n1" });
  assert.equal(metrics.registry, registry);
  await next(s.client("/"), "connect");
  const scrape = new Scrape(parsePrometheusText(await registry.metrics()));
  assert.equal(scrape.value("app_requests_total"), 3);
  assert.equal(scrape.value("plexus_connections_total", { namespace: "/", node: "n1" }), 1);
  metrics.close();
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  assert.deepEqual(names, ["app_requests_total"]);
});

test("a second server's metrics in the same registry are refused; the first's stay intact", async () => {
  await using a = await startServer();
  await using b = await startServer();
  const registry = new Registry();
  const first = enableMetrics(a.io, { registry });
  assert.throws(() => enableMetrics(b.io, { registry }), /already been registered/);
  const scrape = new Scrape(parsePrometheusText(await registry.metrics()));
  assert.ok(scrape.families.has("plexus_event_loop_lag_seconds"));
  assert.ok(scrape.families.has("plexus_connected_sockets"));
  first.close();
});

/** Every metric a server with recovery on exports (the README's table lists the same). */
const ALL_METRICS = [
  "plexus_connected_sockets",
  "plexus_rooms",
  "plexus_connections_total",
  "plexus_disconnections_total",
  "plexus_connect_errors_total",
  "plexus_recovery_attempts_total",
  "plexus_recovery_sessions",
  "plexus_recovery_packets",
  "plexus_adapter_messages_sent_total",
  "plexus_adapter_messages_received_total",
  "plexus_adapter_request_timeouts_total",
  "plexus_adapter_errors_total",
  "plexus_engine_connections",
  "plexus_engine_connections_total",
  "plexus_engine_disconnections_total",
  "plexus_handshake_errors_total",
  "plexus_packets_received_total",
  "plexus_packets_sent_total",
  "plexus_received_bytes_total",
  "plexus_sent_bytes_total",
  "plexus_broadcast_deliveries_total",
  "plexus_volatile_drops_total",
  "plexus_slow_consumer_disconnects_total",
  "plexus_outbound_buffer_bytes",
  "plexus_outbound_buffer_max_bytes",
  "plexus_event_loop_lag_seconds",
  "plexus_event_loop_lag_p99_seconds",
  "plexus_event_loop_lag_max_seconds",
];

/** Label names a Plexus metric may carry: all of bounded cardinality. */
const BOUNDED_LABELS = new Set(["node", "namespace", "transport", "reason", "code", "message", "result"]);

test("every metric: plexus_ prefix, Prometheus naming, HELP, a node label, bounded labels only", async () => {
  await using s = await startMetricsServer({ connectionStateRecovery: {} });
  s.io.on("connection", (socket) => {
    socket.join(["room-of-user-42", `private-${socket.id}`]);
  });
  const c = s.client("/", { transports: ["websocket"] });
  await next(c, "connect");
  s.io.to("room-of-user-42").emit("hello", 1);
  await next(c, "hello");
  const scrape = await s.scrape();
  const ids = new Set([c.id!, ...s.io.sockets.sockets.keys(), ...Object.keys(s.io.engine.clients)]);
  assert.deepEqual([...scrape.families.keys()].sort(), [...ALL_METRICS].sort());
  for (const family of scrape.families.values()) {
    assert.match(family.name, /^plexus_[a-z0-9_]+$/);
    assert.ok(family.help !== undefined && family.help.length > 10, `${family.name}: no HELP`);
    assert.ok(family.type === "counter" || family.type === "gauge", family.name);
    assert.equal(
      family.name.endsWith("_total"),
      family.type === "counter",
      `${family.name} is a ${family.type}`,
    );
    assert.doesNotMatch(family.name, /_(ms|milliseconds|kb|mb|percent)(_|$)/, family.name);
    for (const sample of family.samples) {
      assert.equal(sample.labels.node, "test-node", family.name);
      for (const [label, value] of Object.entries(sample.labels)) {
        assert.ok(BOUNDED_LABELS.has(label), `${family.name}: label ${label}`);
        assert.ok(!ids.has(value) && !value.includes("room"), `${family.name}: ${label}=${value}`);
      }
    }
  }
});

test("event-loop lag: seconds since the previous scrape, a blocked loop shows in the maximum", async () => {
  await using s = await startMetricsServer();
  await s.scrape();
  const start = Date.now();
  while (Date.now() - start < 100) {
    // Block the loop on purpose: the lag monitor must see it.
  }
  await new Promise((resolve) => setImmediate(resolve));
  const scrape = await s.scrape();
  const mean = scrape.value("plexus_event_loop_lag_seconds");
  const max = scrape.value("plexus_event_loop_lag_max_seconds");
  assert.ok(Number.isFinite(mean) && mean >= 0, String(mean));
  assert.ok(max >= 0.05 && max < 60, `max ${max}`);
  assert.ok(scrape.value("plexus_event_loop_lag_p99_seconds") <= max);
});

test("eventLoopLag: false leaves the lag metrics out", async () => {
  await using s = await startMetricsServer({}, { eventLoopLag: false });
  const scrape = await s.scrape();
  assert.equal(scrape.families.has("plexus_event_loop_lag_seconds"), false);
  assert.ok(scrape.families.has("plexus_connected_sockets"));
});

test("metrics off: no counters exist, nothing is counted; enabling later counts from then on", async () => {
  await using s = await startServer({ connectionStateRecovery: {} });
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"] });
  const [socket] = await connected;
  socket.on("msg", (ack: () => void) => ack());
  await c.emitWithAck("msg");
  s.io.emit("news", 1);
  await next(c, "news");
  assert.equal(s.io.stats, null);
  assert.equal(s.io.engine.stats, null);
  assert.equal(s.io._stats, null);
  assert.equal(s.io.engine._stats, null);

  const stats = s.io.enableStats();
  assert.equal(s.io.enableStats(), stats);
  const engineStats = s.io.engine.stats!;
  assert.equal(engineStats.messagesReceived, 0);
  assert.equal(stats.namespaces.size, 0);
  await c.emitWithAck("msg");
  assert.equal(engineStats.messagesReceived, 1);
  assert.equal(engineStats.messagesSent, 1);
});
