/**
 * Connection state recovery (PROTOCOL.md §B5) with the official client: after a forced transport
 * close, the client reconnects with its pid/offset and gets its id, rooms, data and missed packets back.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { next, startServer } from "./helpers.js";

for (const transports of [["websocket"], ["polling"]] as ("websocket" | "polling")[][]) {
  test(`recovery after a forced transport close (${transports[0]})`, async () => {
    await using s = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
    const connected = next<[Socket]>(s.io, "connection");
    const c = s.client("/", {
      transports,
      reconnection: true,
      reconnectionDelay: 10,
      reconnectionDelayMax: 10,
    });
    const [first] = await connected;
    await next(c, "connect");
    assert.equal(first.recovered, false);
    assert.equal(c.recovered, false);
    first.join("room");
    first.data = { user: "ann" };
    const got: unknown[] = [];
    c.on("news", (n: unknown) => got.push(n));
    const live = next(c, "news");
    s.io.emit("news", 0);
    await live;

    const gone = next<[string]>(first, "disconnect");
    c.io.engine.close();
    assert.equal((await gone)[0], "transport close");
    s.io.to("room").emit("news", 1);
    s.io.except("room").emit("news", "not for me");
    s.io.emit("news", 2);

    const reconnected = next<[Socket]>(s.io, "connection");
    await next(c, "connect");
    const [second] = await reconnected;
    assert.equal(c.recovered, true);
    assert.equal(second.recovered, true);
    assert.equal(second.id, first.id);
    assert.equal(c.id, first.id);
    assert.ok(second.rooms.has("room"));
    assert.deepEqual(second.data, { user: "ann" });
    // Live traffic after recovery still works and keeps order.
    const after = next(c, "news");
    second.emit("news", 3);
    await after;
    assert.deepEqual(got, [0, 1, 2, 3]);
    c.disconnect();
  });
}

test("no recovery after an explicit disconnect, nor after maxDisconnectionDuration", async () => {
  await using s = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 0 } });
  const connected = next<[Socket]>(s.io, "connection");
  const c = s.client("/", { transports: ["websocket"], reconnection: true, reconnectionDelay: 10 });
  const [first] = await connected;
  await next(c, "connect");
  s.io.emit("tick", 1);
  await next(c, "tick");
  const again = next<[Socket]>(s.io, "connection");
  c.io.engine.close();
  const [second] = await again;
  assert.equal(second.recovered, false);
  assert.notEqual(second.id, first.id);
  c.disconnect();
});

/** How often the middleware runs over a connection and its recovery, by `skipMiddlewares` setting. */
const middlewareCases = [
  {
    name: "skipMiddlewares: false runs the middlewares again on recovery",
    recovery: { skipMiddlewares: false },
    runs: 2,
  },
  { name: "middlewares are skipped by default on recovery", recovery: {}, runs: 1 },
] as const;

for (const { name, recovery, runs: expectedRuns } of middlewareCases) {
  test(name, async () => {
    await using s = await startServer({ connectionStateRecovery: recovery });
    let runs = 0;
    s.io.use((_socket, nextFn) => {
      runs++;
      nextFn();
    });
    const connected = next<[Socket]>(s.io, "connection");
    const c = s.client("/", { transports: ["websocket"], reconnection: true, reconnectionDelay: 10 });
    await connected;
    s.io.emit("tick");
    await next(c, "tick");
    const again = next<[Socket]>(s.io, "connection");
    c.io.engine.close();
    const [second] = await again;
    assert.equal(second.recovered, true);
    assert.equal(runs, expectedRuns);
    c.disconnect();
  });
}
