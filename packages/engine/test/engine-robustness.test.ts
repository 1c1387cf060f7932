/**
 * Bad input never crashes the process (issue 3): garbage bodies, truncated frames, wrong methods and
 * huge query strings each get their documented answer while another session keeps working.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Socket } from "@plexus/engine";
import {
  handshake,
  poll,
  post,
  raw,
  rawUpgrade,
  startEngine,
  type TestEngine,
  WsClient,
  wsUrl,
} from "./engine-helpers.js";

/** Writes raw bytes on a TCP connection and resolves when the server closes it (with what it answered). */
function rawTcp(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.end(bytes));
    const chunks: Buffer[] = [];
    s.on("data", (c) => chunks.push(c));
    s.on("error", () => {});
    s.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

describe("robustness", () => {
  let t: TestEngine;
  let witness: { sid: string };
  before(async () => {
    t = await startEngine({ maxHttpBufferSize: 10_000 });
    t.engine.on("connection", (socket: Socket) => socket.on("message", (d) => socket.send(d)));
    witness = await handshake(t);
  });
  after(() => t.close());

  /** The witness session still echoes. */
  async function witnessAlive(): Promise<void> {
    const text = `4alive-${Math.random()}`;
    assert.equal((await post(t, witness.sid, text)).body, "ok");
    assert.equal((await poll(t, witness.sid)).body, text);
  }

  test("garbage POST bodies close only their own session", async () => {
    const bodies = [
      "",
      "\x1e\x1e",
      "9",
      "b",
      "b===",
      "\x00\x01\x02",
      "4ok\x1e\x1e",
      "x".repeat(5000),
      "\ud800",
    ];
    for (const body of bodies) {
      const { sid } = await handshake(t);
      const r = await post(t, sid, body);
      assert.ok(r.status === 400 || r.status === 200, `status ${r.status} for ${JSON.stringify(body)}`);
      if (r.status === 400) assert.equal((await poll(t, sid)).status, 400);
    }
    await witnessAlive();
  });

  test("wrong methods and bad queries get their table answers", async () => {
    const { sid } = await handshake(t);
    const cases: [string, string, number, string][] = [
      ["DELETE", t.path(`transport=polling&sid=${sid}`), 500, ""],
      ["PUT", t.path("transport=polling"), 400, '{"code":2,"message":"Bad handshake method"}'],
      [
        "GET",
        t.path("transport=polling&EIO=4&EIO=banana", null),
        400,
        '{"code":5,"message":"Unsupported protocol version"}',
      ],
      ["GET", t.path("transport=%ZZ"), 400, '{"code":0,"message":"Transport unknown"}'],
      ["GET", t.path("transport=polling&sid="), 400, '{"code":1,"message":"Session ID unknown"}'],
      ["GET", t.path("transport=polling&sid=__proto__"), 400, '{"code":1,"message":"Session ID unknown"}'],
      ["GET", t.path("transport=constructor"), 400, '{"code":0,"message":"Transport unknown"}'],
    ];
    for (const [method, path, status, body] of cases) {
      const r = await raw(t.port, path, { method, body: method === "GET" ? undefined : "x" } as never);
      assert.equal(r.status, status, `${method} ${path}`);
      assert.equal(r.body, body, `${method} ${path}`);
    }
    await witnessAlive();
  });

  test("huge query strings are refused without harm", async () => {
    const big = await raw(t.port, t.path(`transport=polling&junk=${"a".repeat(6000)}`));
    assert.equal(big.status, 200, "a long but legal query still handshakes");
    const huge = await rawTcp(
      t.port,
      `GET ${t.path(`transport=polling&junk=${"a".repeat(100_000)}`)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    assert.match(huge, /^HTTP\/1\.1 431/);
    await witnessAlive();
  });

  test("truncated and invalid WebSocket frames close only that connection", async () => {
    const inputs = [
      Buffer.from([0x81]), // header cut short
      Buffer.from([0x81, 0xfe, 0x00]), // 16-bit length cut short
      Buffer.from([0x81, 0x05, 0x34, 0x68]), // unmasked frame
      Buffer.from([0x83, 0x80, 1, 2, 3, 4]), // reserved opcode
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ];
    for (const bytes of inputs) {
      const c = new WsClient(wsUrl(t, "transport=websocket"));
      await c.nextText();
      const sock = (c.ws as unknown as { _socket: import("node:net").Socket })._socket;
      sock.write(bytes);
      if (bytes.length < 4) sock.end();
      await c.closed;
    }
    await witnessAlive();
  });

  test("garbage upgrade requests and raw TCP noise", async () => {
    const noises = [
      "GARBAGE\r\n\r\n",
      `GET ${t.path("transport=websocket")} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      `GET ${t.path("transport=websocket")} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n`,
      Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) & 0xff)).toString("latin1"),
    ];
    for (const n of noises) await rawTcp(t.port, n);
    const bad = await rawUpgrade(t.port, t.path("transport=websocket&sid=x"));
    assert.equal(bad.status, 400);
    await witnessAlive();
  });

  test("a client that disconnects mid-POST or mid-poll only ends its session", async () => {
    const { sid } = await handshake(t);
    const reason = new Promise<string>((resolve) => t.engine.clients[sid]!.once("close", resolve));
    await rawTcp(
      t.port,
      `POST ${t.path(`transport=polling&sid=${sid}`)} HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n4partial`,
    );
    assert.equal(await reason, "transport error");
    const second = await handshake(t);
    const reason2 = new Promise<string>((resolve) => t.engine.clients[second.sid]!.once("close", resolve));
    await rawTcp(t.port, `GET ${t.path(`transport=polling&sid=${second.sid}`)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(await reason2, "transport error");
    await witnessAlive();
  });
});
