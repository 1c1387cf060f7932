/**
 * Heartbeat (PROTOCOL.md §A6) at pingInterval 300 / pingTimeout 200, and the shared scheduler.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type HeartbeatEntry, HeartbeatScheduler, type Socket } from "@plexus/engine";
import {
  deferred,
  handshake,
  poll,
  post,
  startEngine,
  type TestEngine,
  WsClient,
  wsUrl,
} from "./engine-helpers.js";

describe("heartbeat", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ pingInterval: 300, pingTimeout: 200 });
  });
  after(() => t.close());

  test("polling: the first poll returns exactly 2; three ping/pong rounds; then death without pongs", async () => {
    const { sid } = await handshake(t);
    const socket = t.engine.clients[sid]!;
    let beats = 0;
    socket.on("heartbeat", () => beats++);
    for (let round = 0; round < 3; round++) {
      const g = await poll(t, sid);
      assert.equal(g.body, "2");
      assert.equal((await post(t, sid, "3")).body, "ok");
    }
    assert.equal(beats, 3);
    const closed = deferred<string>();
    socket.once("close", (r: string) => closed.resolve(r));
    assert.equal((await poll(t, sid)).body, "2");
    assert.equal(await closed.promise, "ping timeout");
    assert.equal((await poll(t, sid)).body, '{"code":1,"message":"Session ID unknown"}');
  });

  test("websocket: three ping/pong rounds, then the session dies without pongs", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const sid = JSON.parse((await c.nextText()).slice(1)).sid as string;
    for (let round = 0; round < 3; round++) {
      assert.equal(await c.nextText(), "2");
      c.send("3");
    }
    const closed = deferred<string>();
    t.engine.clients[sid]!.once("close", (r: string) => closed.resolve(r));
    assert.equal(await c.nextText(), "2");
    assert.equal(await closed.promise, "ping timeout");
    await c.closed;
  });

  test("a ping sent by the client closes the session (invalid heartbeat direction)", async () => {
    const { sid } = await handshake(t);
    const closed = deferred<unknown>();
    t.engine.clients[sid]!.once("close", (r: string, d: unknown) =>
      closed.resolve([r, (d as Error).message]),
    );
    await post(t, sid, "2");
    assert.deepEqual(await closed.promise, ["transport error", "invalid heartbeat direction"]);
  });

  test("many sessions share the heartbeat; a closed session leaves the scheduler", async () => {
    const sids = await Promise.all([handshake(t), handshake(t), handshake(t)]);
    const scheduler = t.engine._scheduler;
    assert.ok(scheduler.size >= 3);
    const before = scheduler.size;
    const socket: Socket = t.engine.clients[sids[0]!.sid]!;
    socket.close(true);
    assert.equal(scheduler.size, before - 1);
  });
});

interface Entry extends HeartbeatEntry {
  name: string;
}
function entry(name: string): Entry {
  return { name, hbPrev: null, hbNext: null, hbDeadline: 0, hbLane: -1 };
}

describe("HeartbeatScheduler", () => {
  test("fires each lane's entries in deadline order; cancel and reschedule are honoured", async () => {
    const fired: string[] = [];
    const done = deferred();
    const s = new HeartbeatScheduler<Entry>([30, 10], (e, lane) => {
      fired.push(`${e.name}@${lane}`);
      if (s.size === 0) done.resolve();
    });
    const a = entry("a");
    const b = entry("b");
    const c = entry("c");
    const d = entry("d");
    s.schedule(a, 0);
    s.schedule(b, 0);
    s.schedule(c, 1);
    s.schedule(d, 0);
    s.cancel(b);
    s.schedule(a, 0); // moved behind d
    assert.equal(s.size, 3);
    assert.equal(b.hbLane, -1);
    await done.promise;
    // One wake-up serves every lane's due entries lane by lane, so across lanes the order is that of the
    // deadlines only when they fall in different wake-ups (not on a stalled, busy machine): check per lane.
    assert.deepEqual(
      fired.filter((f) => f.endsWith("@0")),
      ["d@0", "a@0"],
    );
    assert.deepEqual(
      fired.filter((f) => f.endsWith("@1")),
      ["c@1"],
    );
    assert.equal(a.hbLane, -1);
  });

  test("clear empties every lane", () => {
    const s = new HeartbeatScheduler<Entry>([1000], () => assert.fail("must not fire"));
    const list = Array.from({ length: 100 }, (_, i) => entry(String(i)));
    for (const e of list) s.schedule(e, 0);
    assert.equal(s.size, 100);
    s.clear();
    assert.equal(s.size, 0);
    assert.ok(list.every((e) => e.hbLane === -1 && e.hbNext === null));
  });
});
