// Flood control at the handshake, per remote address (src/address-limits.ts): refused handshakes get
// Engine.IO's HTTP error shape, other addresses are not affected. Raw HTTP and TCP clients; each test
// binds its "other" client to another loopback address (127.0.0.2).
import assert from "node:assert/strict";
import { test } from "node:test";
import { RawTcpWebSocket } from "../../../test-support/raw-tcp-websocket.js";
import { deferred, raw, startEngine } from "./engine-helpers.js";

const TOO_MANY_HANDSHAKES = '{"code":4,"message":"Too many new connections from this address"}';
const TOO_MANY_SESSIONS = '{"code":4,"message":"Too many sessions from this address"}';

test("maxHandshakesPerSecondPerAddress: a burst over the rate gets 403 code 4; another address still connects", async () => {
  const t = await startEngine({ maxHandshakesPerSecondPerAddress: 1 });
  const errors: string[] = [];
  t.engine.on("connection_error", (e: { context: { name?: string } }) => errors.push(String(e.context.name)));
  try {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => raw(t.port, t.path("transport=polling"))),
    );
    const refused = answers.filter((a) => a.status === 403);
    // One token per second: ten handshakes in well under five seconds leave at least five refused.
    assert.ok(answers.some((a) => a.status === 200));
    assert.ok(refused.length >= 5, `${refused.length} refused`);
    for (const a of refused) {
      assert.equal(a.body, TOO_MANY_HANDSHAKES);
      assert.equal(a.headers["content-type"], "application/json");
    }
    assert.equal(errors.filter((n) => n === "TOO_MANY_HANDSHAKES").length, refused.length);
    // A WebSocket handshake from the same address is refused the engine.io way for upgrades.
    const ws = await RawTcpWebSocket.open(t.port, t.path("transport=websocket"));
    assert.match(ws.head, /^HTTP\/1\.1 400 Bad Request\r\n/);
    ws.destroy();
    const other = await raw(t.port, t.path("transport=polling"), { localAddress: "127.0.0.2" });
    assert.equal(other.status, 200);
    assert.equal(other.body[0], "0");
  } finally {
    await t.close();
  }
});

test("maxSessionsPerAddress: the session over the limit is refused until one closes", async () => {
  const t = await startEngine({ maxSessionsPerAddress: 2 });
  try {
    const sids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const a = await raw(t.port, t.path("transport=polling"));
      assert.equal(a.status, 200);
      sids.push((JSON.parse(a.body.slice(1)) as { sid: string }).sid);
    }
    const third = await raw(t.port, t.path("transport=polling"));
    assert.equal(third.status, 403);
    assert.equal(third.body, TOO_MANY_SESSIONS);
    const ws = await RawTcpWebSocket.open(t.port, t.path("transport=websocket"));
    assert.match(ws.head, /^HTTP\/1\.1 400 Bad Request\r\n/);
    ws.destroy();
    const other = await raw(t.port, t.path("transport=polling"), { localAddress: "127.0.0.2" });
    assert.equal(other.status, 200);
    // One session of the first address ends: it may open one again.
    const closed = deferred<void>();
    t.engine.clients[sids[0]!]!.once("close", () => closed.resolve());
    t.engine.clients[sids[0]!]!.close();
    await closed.promise;
    const again = await raw(t.port, t.path("transport=polling"));
    assert.equal(again.status, 200);
  } finally {
    await t.close();
  }
});

test("both limits are off by default", async () => {
  const t = await startEngine();
  try {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => raw(t.port, t.path("transport=polling"))),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
  } finally {
    await t.close();
  }
});
