// Close codes of engine sessions on the wire (RFC 6455 §7.4.1, table in src/close-codes.ts): a raw TCP
// WebSocket client reads the server's close frame for every way the engine ends a WebSocket session.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { websocket } from "@plexus/engine";
import { ProtocolError, ProtocolErrorCodes } from "@plexus/protocol";
import { RawTcpWebSocket } from "../../../test-support/raw-tcp-websocket.js";
import { deferred, nextConnection, startEngine, type TestEngine } from "./engine-helpers.js";

async function openSession(t: TestEngine) {
  const connection = nextConnection(t.engine);
  const client = await RawTcpWebSocket.open(t.port, t.path("transport=websocket"));
  assert.match(client.head, /^HTTP\/1\.1 101 /);
  const socket = await connection;
  await client.waitForText(/^0\{/);
  const reason = deferred<string>();
  socket.once("close", (r: string) => reason.resolve(r));
  return { client, socket, reason: reason.promise };
}

test("an Engine.IO packet that does not decode: close 1002 'parse error'", async () => {
  const t = await startEngine();
  try {
    const { client, reason } = await openSession(t);
    client.send("9oops");
    assert.deepEqual(await client.closeFrame(), { code: 1002, reason: "parse error" });
    assert.equal(await reason, "parse error");
    client.destroy();
  } finally {
    await t.close();
  }
});

test("a ping from an Engine.IO 4 client (wrong heartbeat direction): close 1002 'transport error'", async () => {
  const t = await startEngine();
  try {
    const { client, reason } = await openSession(t);
    client.send("2");
    assert.deepEqual(await client.closeFrame(), { code: 1002, reason: "transport error" });
    assert.equal(await reason, "transport error");
    client.destroy();
  } finally {
    await t.close();
  }
});

test("a message above maxHttpBufferSize: close 1009, session ends with 'transport error'", async () => {
  const t = await startEngine({ maxHttpBufferSize: 100 });
  try {
    const { client, reason } = await openSession(t);
    client.send(`4${"x".repeat(200)}`);
    assert.equal((await client.closeFrame()).code, 1009);
    assert.equal(await reason, "transport error");
    client.destroy();
  } finally {
    await t.close();
  }
});

test("invalid UTF-8 in a text frame: close 1007", async () => {
  const t = await startEngine();
  try {
    const { client, reason } = await openSession(t);
    client.write(
      websocket.frame(Buffer.from([0x34, 0xc3, 0x28]), websocket.Opcode.TEXT, {
        mask: Buffer.from([1, 2, 3, 4]),
      }),
    );
    assert.equal((await client.closeFrame()).code, 1007);
    assert.equal(await reason, "transport error");
    client.destroy();
  } finally {
    await t.close();
  }
});

test("closeOnDecodeError: 1007 for bad data in a packet, 1002 for a broken packet structure", async () => {
  const t = await startEngine();
  try {
    const cases = [
      [new ProtocolError(ProtocolErrorCodes.SIO_INVALID_JSON, "bad JSON"), 1007, "ERR_SIO_INVALID_JSON"],
      [
        new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "too deep"),
        1007,
        "ERR_SIO_INVALID_PAYLOAD",
      ],
      [
        new ProtocolError(ProtocolErrorCodes.SIO_UNKNOWN_PACKET_TYPE, "type 9"),
        1002,
        "ERR_SIO_UNKNOWN_PACKET_TYPE",
      ],
      [
        new ProtocolError(ProtocolErrorCodes.SIO_ILLEGAL_ATTACHMENTS, "45-"),
        1002,
        "ERR_SIO_ILLEGAL_ATTACHMENTS",
      ],
      [new Error("no code"), 1002, ""],
    ] as const;
    for (const [error, code, text] of cases) {
      const { client, socket, reason } = await openSession(t);
      socket.send("last words");
      socket.closeOnDecodeError(error);
      assert.deepEqual(await client.closeFrame(), { code, reason: text });
      // Queued packets go out first, and the Engine.IO close reason is the one of close().
      assert.ok(client.texts.includes("4last words"));
      assert.equal(await reason, "forced close");
      client.destroy();
    }
  } finally {
    await t.close();
  }
});

test("a slow consumer gets close 1008 'slow consumer' after the bytes already in its socket", async () => {
  const t = await startEngine({ maxOutboundBytes: 256 * 1024 });
  try {
    const { client, socket, reason } = await openSession(t);
    client.pause();
    const chunk = "z".repeat(512 * 1024);
    for (let i = 0; i < 400 && socket.readyState === "open"; i++) {
      socket.send(chunk);
      await turn();
    }
    assert.equal(await reason, "slow consumer");
    client.resume();
    assert.deepEqual(await client.closeFrame(), { code: 1008, reason: "slow consumer" });
    // Every frame before the close frame is a whole message of the backlog the socket had taken.
    const frames = client.frames;
    assert.ok(frames.length > 1);
    assert.equal(frames.at(-1)!.opcode, websocket.Opcode.CLOSE);
    for (const f of frames.slice(1, -1)) assert.equal(f.payload.length, chunk.length + 1);
    client.destroy();
  } finally {
    await t.close();
  }
});

test("engine.close(): close 1001 (going away), reason 'forced close' as engine.io", async () => {
  const t = await startEngine();
  try {
    const { client, reason } = await openSession(t);
    t.engine.close();
    assert.deepEqual(await client.closeFrame(), { code: 1001, reason: "" });
    assert.equal(await reason, "forced close");
    client.destroy();
  } finally {
    await t.close();
  }
});

test("socket.close() and a ping timeout stay a bare 1000", async () => {
  const t = await startEngine({ pingInterval: 50, pingTimeout: 50 });
  try {
    const a = await openSession(t);
    a.socket.close();
    assert.deepEqual(await a.client.closeFrame(), { code: 1000, reason: "" });
    assert.equal(await a.reason, "forced close");
    a.client.destroy();
    const b = await openSession(t);
    // No pong: the session times out.
    assert.equal(await b.reason, "ping timeout");
    assert.deepEqual(await b.client.closeFrame(), { code: 1000, reason: "" });
    b.client.destroy();
  } finally {
    await t.close();
  }
});
