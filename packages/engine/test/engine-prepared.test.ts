/**
 * "Prepare once, send to many" (issue 3) and the bounded outbound queue (DESIGN.md principle 3).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "@plexus/engine";
import {
  deferred,
  handshake,
  nextConnection,
  poll,
  startEngine,
  type TestEngine,
  WsClient,
  wsUrl,
} from "./engine-helpers.js";

describe("prepared packets", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine();
  });
  after(() => t.close());

  test("encoded once, delivered to polling and WebSocket sessions, ordered with direct sends", async () => {
    const pollingConn = nextConnection(t.engine);
    const { sid } = await handshake(t);
    const pollingSocket = await pollingConn;
    const wsConn = nextConnection(t.engine);
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const wsSocket = await wsConn;
    await c.nextText();

    const prepared = t.engine.prepare(['51-["ev",{"_placeholder":true,"num":0}]', new Uint8Array([7, 8, 9])]);
    for (const s of [pollingSocket, wsSocket]) {
      s.send("before");
      assert.equal(s.sendPrepared(prepared), true);
      s.send("after");
    }
    assert.equal(
      (await poll(t, sid)).body,
      '4before\x1e451-["ev",{"_placeholder":true,"num":0}]\x1ebBwgJ\x1e4after',
    );
    assert.equal(await c.nextText(), "4before");
    assert.equal(await c.nextText(), '451-["ev",{"_placeholder":true,"num":0}]');
    const bin = await c.next();
    assert.equal(bin.isBinary, true);
    assert.deepEqual([...(bin.data as Buffer)], [7, 8, 9]);
    assert.equal(await c.nextText(), "4after");
    // The encodings are built once and shared.
    assert.equal(prepared.webSocketFrames, prepared.webSocketFrames);
    assert.equal(prepared.pollingRecords, prepared.pollingRecords);
    c.ws.close();
    await c.closed;
  });

  test("volatile prepared packets are dropped while a polling session has no pending poll", async () => {
    const conn = nextConnection(t.engine);
    const { sid } = await handshake(t);
    const socket = await conn;
    const prepared = t.engine.prepare(["volatile"]);
    assert.equal(socket.sendPrepared(prepared, true), false);
    socket.send("kept");
    assert.equal((await poll(t, sid)).body, "4kept");
  });

  test("volatile send() is dropped when the transport cannot write", async () => {
    const conn = nextConnection(t.engine);
    const { sid } = await handshake(t);
    const socket = await conn;
    socket.send("dropped", { volatile: true });
    socket.send("kept");
    assert.equal((await poll(t, sid)).body, "4kept");
  });
});

describe("outbound bound", () => {
  test("a session over maxOutboundBytes is closed with 'slow consumer'", async () => {
    const t = await startEngine({ maxOutboundBytes: 1000 });
    try {
      const conn = nextConnection(t.engine);
      await handshake(t);
      const socket: Socket = await conn;
      const reason = deferred<string>();
      socket.once("close", (r: string) => reason.resolve(r));
      for (let i = 0; i < 20 && socket.readyState === "open"; i++) socket.send("x".repeat(100));
      assert.equal(await reason.promise, "slow consumer");
      assert.equal(t.engine.clientsCount, 0);
    } finally {
      await t.close();
    }
  });

  test("websocket backpressure: the backlog is held in the session, bounded, and delivered in order", async () => {
    const t = await startEngine({ maxOutboundBytes: 300_000 });
    try {
      const conn = nextConnection(t.engine);
      const c = new WsClient(wsUrl(t, "transport=websocket"));
      const socket: Socket = await conn;
      await c.nextText();
      const chunk = "y".repeat(100_000);
      // 2 × 100 KB fit (the socket buffer takes the first, the queue the second): delivered in order.
      socket.send(`a${chunk}`);
      socket.send(`b${chunk}`);
      socket.send("c");
      assert.equal((await c.nextText()).slice(0, 2), "4a");
      assert.equal((await c.nextText()).slice(0, 2), "4b");
      assert.equal(await c.nextText(), "4c");
      // A burst far above the bound closes the session.
      const reason = deferred<string>();
      socket.once("close", (r: string) => reason.resolve(r));
      for (let i = 0; i < 10 && socket.readyState === "open"; i++) socket.send(chunk);
      assert.equal(await reason.promise, "slow consumer");
      await c.closed;
    } finally {
      await t.close();
    }
  });
});
