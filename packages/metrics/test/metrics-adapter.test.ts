/**
 * What an adapter reports through the optional `stats()` of the adapter contract (cross-node messages,
 * request timeouts, broker errors, recovery store sizes) becomes `plexus_adapter_*` and
 * `plexus_recovery_*` series per namespace, read at scrape time; fields it leaves out have no series.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AdapterStats, type BroadcastOptions, InMemoryAdapter } from "@plexus/adapter";
import type { SocketPacket } from "@plexus/protocol";
import { next, startMetricsServer } from "./helpers.js";

/** The in-memory adapter, counting its broadcasts as if each were published to a broker. */
class CountingAdapter extends InMemoryAdapter {
  published = 0;

  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    this.published++;
    super.broadcast(packet, opts);
  }

  override stats(): AdapterStats {
    return { messagesSent: this.published, messagesReceived: 5, requestTimeouts: 1, brokerErrors: 2 };
  }
}

test("an adapter's stats() become per-namespace series; fields it leaves out have none", async () => {
  await using s = await startMetricsServer({ adapter: CountingAdapter });
  s.io.of("/chat");
  const c = s.client("/", { transports: ["websocket"] });
  await next(c, "connect");
  const both = Promise.all([next(c, "a"), next(c, "b")]);
  s.io.emit("a");
  s.io.emit("b");
  await both;
  const m = await s.scrape();
  assert.equal(m.value("plexus_adapter_messages_sent_total", { namespace: "/" }), 2);
  assert.equal(m.value("plexus_adapter_messages_sent_total", { namespace: "/chat" }), 0);
  assert.equal(m.value("plexus_adapter_messages_received_total", { namespace: "/" }), 5);
  assert.equal(m.value("plexus_adapter_request_timeouts_total", { namespace: "/" }), 1);
  assert.equal(m.value("plexus_adapter_errors_total", { namespace: "/chat" }), 2);
  assert.deepEqual(m.series("plexus_recovery_sessions"), []);
  assert.deepEqual(m.series("plexus_recovery_packets"), []);
});

test("the in-memory adapter: nothing crosses nodes; with recovery on, the store's sizes", async () => {
  await using plain = await startMetricsServer();
  let m = await plain.scrape();
  assert.equal(m.value("plexus_adapter_messages_sent_total", { namespace: "/" }), 0);
  assert.equal(m.value("plexus_adapter_errors_total", { namespace: "/" }), 0);
  assert.deepEqual(m.series("plexus_recovery_sessions"), []);

  await using recovering = await startMetricsServer({ connectionStateRecovery: {} });
  const c = recovering.client("/", { transports: ["websocket"] });
  await next(c, "connect");
  const got = Promise.all([next(c, "x"), next(c, "y")]);
  recovering.io.emit("x");
  recovering.io.emit("y");
  await got;
  m = await recovering.scrape();
  assert.equal(m.value("plexus_recovery_packets", { namespace: "/" }), 2);
  assert.equal(m.value("plexus_recovery_sessions", { namespace: "/" }), 0);
});
