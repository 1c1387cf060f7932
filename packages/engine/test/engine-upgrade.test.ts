/**
 * Upgrade polling → WebSocket (PROTOCOL.md §A7) with raw HTTP requests and a raw `ws` client.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "@plexus/engine";
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

/** Starts a poll and waits until the server holds it; resolves with the (still pending) answer. */
async function pollPending(t: TestEngine, sid: string): Promise<{ answer: ReturnType<typeof poll> }> {
  const answer = poll(t, sid);
  while (!t.engine.clients[sid]?.transport.writable) await new Promise<void>((r) => setImmediate(r));
  return { answer };
}

describe("upgrade", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine();
    t.engine.on("connection", (socket: Socket) => {
      socket.on("message", (data) => socket.send(data));
    });
  });
  after(() => t.close());

  test("2probe → 3probe, pending poll answered 6, then 5; messages flow on the WebSocket", async () => {
    const { sid } = await handshake(t);
    const socket = t.engine.clients[sid]!;
    const events: string[] = [];
    socket.on("upgrading", (tr: { name: string }) => events.push(`upgrading:${tr.name}`));
    socket.on("upgrade", (tr: { name: string }) => events.push(`upgrade:${tr.name}`));
    const pending = await pollPending(t, sid);
    const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await c.opened;
    assert.equal(socket.upgrading, true);
    c.send("2probe");
    assert.equal(await c.nextText(), "3probe");
    const noop = await pending.answer;
    assert.equal(noop.status, 200);
    assert.equal(noop.body, "6");
    c.send("5");
    c.send("4hello");
    assert.equal(await c.nextText(), "4hello");
    assert.equal(socket.upgraded, true);
    assert.equal(socket.upgrading, false);
    assert.equal(socket.transport.name, "websocket");
    assert.deepEqual(events, ["upgrading:websocket", "upgrade:websocket"]);

    // §A4: polling with the sid after the upgrade → 400 code 3 (transport mismatch).
    const mismatch = await poll(t, sid);
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body, '{"code":3,"message":"Bad request"}');
    const mismatchPost = await post(t, sid, "4x");
    assert.equal(mismatchPost.status, 400);
    assert.equal(mismatchPost.body, '{"code":3,"message":"Bad request"}');
    c.ws.close();
    await c.closed;
  });

  test("a poll that arrives during the upgrade is answered 6 within ~100 ms", async () => {
    const { sid } = await handshake(t);
    const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await c.opened;
    c.send("2probe");
    assert.equal(await c.nextText(), "3probe");
    const late = await poll(t, sid);
    assert.equal(late.body, "6");
    c.send("5");
    c.ws.close();
    await c.closed;
  });

  test("packets queued during the upgrade are flushed on the WebSocket, in order", async () => {
    const { sid } = await handshake(t);
    const socket = t.engine.clients[sid]!;
    const pending = await pollPending(t, sid);
    const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await c.opened;
    c.send("2probe");
    assert.equal(await c.nextText(), "3probe");
    assert.equal((await pending.answer).body, "6");
    socket.send("a");
    socket.send(Buffer.from([9]));
    socket.send("b");
    c.send("5");
    assert.equal(await c.nextText(), "4a");
    const bin = await c.next();
    assert.equal(bin.isBinary, true);
    assert.deepEqual([...(bin.data as Buffer)], [9]);
    assert.equal(await c.nextText(), "4b");
    c.ws.close();
    await c.closed;
  });

  test("a packet other than 2probe/5 on the probing WebSocket aborts the upgrade, polling goes on", async () => {
    const { sid } = await handshake(t);
    const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await c.opened;
    c.send("4early");
    await c.closed;
    const socket = t.engine.clients[sid]!;
    assert.equal(socket.upgrading, false);
    assert.equal(socket.transport.name, "polling");
    assert.equal((await post(t, sid, "4still polling")).body, "ok");
    assert.equal((await poll(t, sid)).body, "4still polling");
  });

  test("closing the session during the upgrade closes the probing WebSocket", async () => {
    const { sid } = await handshake(t);
    const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await c.opened;
    const socket = t.engine.clients[sid]!;
    const reason = deferred<string>();
    socket.once("close", (r: string) => reason.resolve(r));
    socket.close(true);
    assert.equal(await reason.promise, "forced close");
    await c.closed;
  });
});
