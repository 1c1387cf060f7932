import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  deflateMessage,
  frame,
  Opcode,
  unmask,
  type WebSocketError,
  WebSocketReceiver,
} from "../src/websocket/index.js";

type Event =
  | { kind: "message"; data: string | Buffer; isBinary: boolean }
  | { kind: "ping" | "pong"; payload: Buffer }
  | { kind: "close"; code: number; reason: string }
  | { kind: "error"; code: string; closeCode: number };

/** A receiver that records what it parses. */
class Sink extends WebSocketReceiver {
  readonly events: Event[] = [];
  override onReceiverMessage(data: string | Buffer, isBinary: boolean): void {
    this.events.push({ kind: "message", data: Buffer.isBuffer(data) ? Buffer.from(data) : data, isBinary });
  }
  override onReceiverPing(payload: Buffer): void {
    this.events.push({ kind: "ping", payload: Buffer.from(payload) });
  }
  override onReceiverPong(payload: Buffer): void {
    this.events.push({ kind: "pong", payload: Buffer.from(payload) });
  }
  override onReceiverClose(code: number, reason: string): void {
    this.events.push({ kind: "close", code, reason });
  }
  override onReceiverError(error: WebSocketError): void {
    this.events.push({ kind: "error", code: error.code, closeCode: error.closeCode });
  }
}

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ""), "hex");
const masked = (payload: Buffer | string, opcode: number, fin = true, rsv1 = false): Buffer =>
  frame(payload, opcode, { mask: MASK, fin, rsv1 });

function parse(input: Buffer[], maxPayload = 1 << 20, compression = false): Event[] {
  const receiver = new Sink(maxPayload, compression);
  for (const chunk of input) receiver.push(chunk);
  return receiver.events;
}

describe("WebSocketReceiver (RFC 6455 §5)", () => {
  it("parses the RFC §5.7 masked Hello", () => {
    assert.deepEqual(parse([bytes("818537fa213d7f9f4d5158")]), [
      { kind: "message", data: "Hello", isBinary: false },
    ]);
  });

  it("parses the same frame delivered one byte at a time", () => {
    const whole = bytes("818537fa213d7f9f4d5158");
    const chunks = [...whole].map((b) => Buffer.from([b]));
    assert.deepEqual(parse(chunks), [{ kind: "message", data: "Hello", isBinary: false }]);
  });

  it("parses several frames in one chunk", () => {
    const chunk = Buffer.concat([masked("a", 1), masked(Buffer.from([9]), 2), masked("b", 1)]);
    const events = parse([chunk]);
    assert.deepEqual(events, [
      { kind: "message", data: "a", isBinary: false },
      { kind: "message", data: Buffer.from([9]), isBinary: true },
      { kind: "message", data: "b", isBinary: false },
    ]);
  });

  it("parses 16-bit and 64-bit lengths split across chunks", () => {
    for (const size of [126, 65535, 65536, 200_000]) {
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i++) payload[i] = i & 0xff;
      const f = masked(payload, Opcode.BINARY);
      const events = parse([f.subarray(0, 3), f.subarray(3, 1000), f.subarray(1000)]);
      assert.equal(events.length, 1);
      const e = events[0];
      assert.ok(e?.kind === "message" && Buffer.isBuffer(e.data));
      assert.ok(e.data.equals(payload), `size ${size}`);
    }
  });

  it("joins a fragmented text message with an interleaved ping (§5.4)", () => {
    const events = parse([
      masked("Hel", Opcode.TEXT, false),
      masked("hi", Opcode.PING),
      masked("lo", Opcode.CONTINUATION),
    ]);
    assert.deepEqual(events, [
      { kind: "ping", payload: Buffer.from("hi") },
      { kind: "message", data: "Hello", isBinary: false },
    ]);
  });

  it("validates UTF-8 of a fragmented message on the whole message (a code point split across frames)", () => {
    const euro = Buffer.from("€");
    const events = parse([
      masked(euro.subarray(0, 1), Opcode.TEXT, false),
      masked(euro.subarray(1), Opcode.CONTINUATION),
    ]);
    assert.deepEqual(events, [{ kind: "message", data: "€", isBinary: false }]);
  });

  it("reports pongs and close frames with code and reason", () => {
    const events = parse([masked("p", Opcode.PONG), masked(bytes("03e8627965"), Opcode.CLOSE)]);
    assert.deepEqual(events, [
      { kind: "pong", payload: Buffer.from("p") },
      { kind: "close", code: 1000, reason: "bye" },
    ]);
  });

  it("reports an empty close frame as 1005 and ignores anything after a close", () => {
    const events = parse([Buffer.concat([masked("", Opcode.CLOSE), masked("late", Opcode.TEXT)])]);
    assert.deepEqual(events, [{ kind: "close", code: 1005, reason: "" }]);
  });

  it("keeps a BOM in text", () => {
    assert.deepEqual(parse([masked("\ufeffx", 1)]), [{ kind: "message", data: "\ufeffx", isBinary: false }]);
  });

  it("inflates a compressed message when permessage-deflate is on (RFC 7692 §7.2.2)", () => {
    const text = "hello ".repeat(100);
    const compressed = deflateMessage(Buffer.from(text));
    const events = parse([masked(compressed, Opcode.TEXT, true, true)], 1 << 20, true);
    assert.deepEqual(events, [{ kind: "message", data: text, isBinary: false }]);
  });

  it("inflates a compressed message sent in fragments", () => {
    const payload = Buffer.alloc(5000, 7);
    const c = deflateMessage(payload);
    const events = parse(
      [masked(c.subarray(0, 3), Opcode.BINARY, false, true), masked(c.subarray(3), Opcode.CONTINUATION)],
      1 << 20,
      true,
    );
    assert.equal(events.length, 1);
    assert.ok(
      events[0]?.kind === "message" && Buffer.isBuffer(events[0].data) && events[0].data.equals(payload),
    );
  });
});

describe("WebSocketReceiver errors (close codes)", () => {
  const error = (input: Buffer[], maxPayload?: number, compression?: boolean): Event[] =>
    parse(input, maxPayload, compression);

  it("rejects an unmasked frame with 1002", () => {
    assert.deepEqual(error([bytes("810548656c6c6f")]), [
      { kind: "error", code: "ERR_WS_UNMASKED_FRAME", closeCode: 1002 },
    ]);
  });

  it("rejects invalid UTF-8 text with 1007", () => {
    assert.deepEqual(error([masked(bytes("c328"), Opcode.TEXT)]), [
      { kind: "error", code: "ERR_WS_INVALID_UTF8", closeCode: 1007 },
    ]);
  });

  it("rejects an invalid UTF-8 close reason with 1007", () => {
    assert.deepEqual(error([masked(bytes("03e8ff"), Opcode.CLOSE)]), [
      { kind: "error", code: "ERR_WS_INVALID_UTF8", closeCode: 1007 },
    ]);
  });

  it("rejects a message over maxPayload with 1009 from the header alone", () => {
    const f = masked(Buffer.alloc(101), Opcode.BINARY);
    assert.deepEqual(error([f.subarray(0, 8)], 100), [
      { kind: "error", code: "ERR_WS_PAYLOAD_TOO_BIG", closeCode: 1009 },
    ]);
  });

  it("counts all fragments against maxPayload", () => {
    const events = error([masked(Buffer.alloc(60), 2, false), masked(Buffer.alloc(60), 0)], 100);
    assert.deepEqual(events, [{ kind: "error", code: "ERR_WS_PAYLOAD_TOO_BIG", closeCode: 1009 }]);
  });

  it("accepts a message of exactly maxPayload bytes", () => {
    const events = error([masked(Buffer.alloc(100), 2)], 100);
    assert.equal(events[0]?.kind, "message");
  });

  it("rejects a compressed message that inflates beyond maxPayload with 1009", () => {
    const c = deflateMessage(Buffer.alloc(10_000));
    assert.ok(c.length < 100);
    assert.deepEqual(error([masked(c, Opcode.BINARY, true, true)], 1000, true), [
      { kind: "error", code: "ERR_WS_PAYLOAD_TOO_BIG", closeCode: 1009 },
    ]);
  });

  it("rejects corrupt compressed data with 1007", () => {
    assert.deepEqual(error([masked(bytes("ffffffffff"), Opcode.BINARY, true, true)], 1000, true), [
      { kind: "error", code: "ERR_WS_INFLATE_FAILED", closeCode: 1007 },
    ]);
  });

  it("rejects RSV1 without permessage-deflate, and RSV2/RSV3 always, with 1002", () => {
    assert.deepEqual(error([masked("a", Opcode.TEXT, true, true)]), [
      { kind: "error", code: "ERR_WS_RESERVED_BITS", closeCode: 1002 },
    ]);
    const rsv2 = masked("a", Opcode.TEXT);
    rsv2[0] = (rsv2[0] ?? 0) | 0x20;
    assert.deepEqual(error([rsv2], undefined, true), [
      { kind: "error", code: "ERR_WS_RESERVED_BITS", closeCode: 1002 },
    ]);
  });

  it("rejects reserved opcodes with 1002", () => {
    for (const op of [3, 7, 0xb, 0xf]) {
      assert.deepEqual(error([masked("a", op)]), [
        { kind: "error", code: "ERR_WS_INVALID_OPCODE", closeCode: 1002 },
      ]);
    }
  });

  it("rejects a continuation without a message, and a new message inside a fragmented one", () => {
    assert.deepEqual(error([masked("a", Opcode.CONTINUATION)]), [
      { kind: "error", code: "ERR_WS_UNEXPECTED_CONTINUATION", closeCode: 1002 },
    ]);
    assert.deepEqual(error([masked("a", Opcode.TEXT, false), masked("b", Opcode.TEXT)]), [
      { kind: "error", code: "ERR_WS_EXPECTED_CONTINUATION", closeCode: 1002 },
    ]);
  });

  it("rejects fragmented or oversized control frames with 1002", () => {
    assert.deepEqual(error([masked("a", Opcode.PING, false)]), [
      { kind: "error", code: "ERR_WS_BAD_CONTROL_FRAME", closeCode: 1002 },
    ]);
    assert.deepEqual(error([masked(Buffer.alloc(126), Opcode.PING)]), [
      { kind: "error", code: "ERR_WS_BAD_CONTROL_FRAME", closeCode: 1002 },
    ]);
  });

  it("rejects a 1-byte close payload and invalid close codes with 1002", () => {
    for (const payload of ["03", "03ed", "03ee", "0bb7", "1388", "0000"]) {
      assert.deepEqual(
        error([masked(bytes(payload), Opcode.CLOSE)]),
        [{ kind: "error", code: "ERR_WS_BAD_CLOSE_FRAME", closeCode: 1002 }],
        payload,
      );
    }
  });

  it("stops after the first error", () => {
    const events = error([Buffer.concat([bytes("810548656c6c6f"), masked("a", 1)])]);
    assert.equal(events.length, 1);
  });
});

describe("unmask", () => {
  it("matches a byte-by-byte XOR at every alignment and phase", () => {
    const backing = Buffer.alloc(300);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 7) & 0xff;
    const mask = 0x12345678;
    const key = [0x12, 0x34, 0x56, 0x78];
    for (let offset = 0; offset < 4; offset++) {
      for (let phase = 0; phase < 4; phase++) {
        for (const len of [0, 1, 31, 32, 33, 100, 250]) {
          const data = Buffer.from(backing).subarray(offset, offset + len);
          const expected = Buffer.from(data);
          for (let i = 0; i < len; i++) expected[i] = (expected[i] ?? 0) ^ (key[(phase + i) & 3] ?? 0);
          unmask(data, mask, phase);
          assert.ok(data.equals(expected), `offset ${offset} phase ${phase} len ${len}`);
        }
      }
    }
  });
});
