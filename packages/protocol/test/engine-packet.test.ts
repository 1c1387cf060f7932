// Engine.IO v4 packets, exact wire (PROTOCOL.md §A3).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeEnginePacket,
  decodeEngineRecord,
  ENGINE_PACKET_CODES,
  ENGINE_PACKET_TYPES,
  type EnginePacket,
  encodeEnginePacket,
  encodeEngineRecord,
  ProtocolError,
  ProtocolErrorCodes,
} from "@plexus/protocol";

const TYPES = [
  ["0", "open"],
  ["1", "close"],
  ["2", "ping"],
  ["3", "pong"],
  ["4", "message"],
  ["5", "upgrade"],
  ["6", "noop"],
] as const;

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ProtocolError && err.code === code);
}

describe("engine packet types 0–6 (§A3)", () => {
  test("type table is the wire digits", () => {
    assert.deepEqual(ENGINE_PACKET_TYPES, ["open", "close", "ping", "pong", "message", "upgrade", "noop"]);
    for (const [digit, type] of TYPES) assert.equal(ENGINE_PACKET_CODES[type], digit);
  });

  for (const [digit, type] of TYPES) {
    test(`${type}: "${digit}" ⇄ { type: "${type}" }`, () => {
      assert.equal(encodeEnginePacket({ type }), digit);
      assert.equal(encodeEngineRecord({ type }), digit);
      assert.deepEqual(decodeEnginePacket(digit), { type });
      assert.deepEqual(decodeEngineRecord(digit), { type });
    });
    test(`${type} with data: "${digit}abc" ⇄ { type: "${type}", data: "abc" }`, () => {
      assert.equal(encodeEnginePacket({ type, data: "abc" }), `${digit}abc`);
      assert.deepEqual(decodeEnginePacket(`${digit}abc`), { type, data: "abc" });
    });
  }

  test("probes of the upgrade: 2probe / 3probe", () => {
    assert.deepEqual(decodeEnginePacket("2probe"), { type: "ping", data: "probe" });
    assert.equal(encodeEnginePacket({ type: "pong", data: "probe" }), "3probe");
  });

  test("message with utf-8 text (astral, separators of other layers) is copied verbatim", () => {
    const text = '2["é",{"🎉":"\u{1F600}"}],\u2028';
    assert.equal(encodeEnginePacket({ type: "message", data: text }), `4${text}`);
    assert.deepEqual(decodeEnginePacket(`4${text}`), { type: "message", data: text });
  });

  test("empty data is kept distinct from absent data on encode", () => {
    assert.equal(encodeEnginePacket({ type: "message", data: "" }), "4");
  });

  test("decoded data-less packets are immutable (they are shared)", () => {
    const packet = decodeEnginePacket("2");
    assert.ok(Object.isFrozen(packet));
  });
});

describe("binary WebSocket frames (§A3)", () => {
  test("binary message is the raw bytes, no type byte", () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const frame = encodeEnginePacket({ type: "message", data: bytes });
    assert.ok(frame instanceof Uint8Array);
    assert.deepEqual([...frame], [1, 2, 3, 4]);
  });

  test("a binary frame decodes to a message with the same object (a Buffer stays a Buffer)", () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    const packet = decodeEnginePacket(buf);
    assert.equal(packet.type, "message");
    assert.equal(packet.data, buf);
    assert.ok(Buffer.isBuffer(packet.data));
  });

  test("an empty binary frame is an empty message", () => {
    const packet = decodeEnginePacket(new Uint8Array(0));
    assert.equal(packet.type, "message");
    assert.equal((packet.data as Uint8Array).byteLength, 0);
  });
});

describe("malformed packets (§A3: close the session)", () => {
  test("unknown type `abc` → ERR_EIO_UNKNOWN_PACKET_TYPE", () => {
    assertCode(() => decodeEnginePacket("abc"), ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE);
    assert.equal(ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE, "ERR_EIO_UNKNOWN_PACKET_TYPE");
  });

  for (const frame of ["7", "9hello", "/", " 4", "-1", "\u0034\u0301".slice(1), "٤hello"]) {
    test(`${JSON.stringify(frame)} → ERR_EIO_UNKNOWN_PACKET_TYPE`, () => {
      assertCode(() => decodeEnginePacket(frame), ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE);
      assertCode(() => decodeEngineRecord(frame), ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE);
    });
  }

  test("`b` prefix is a payload-only form: as a WebSocket text frame it is an unknown type", () => {
    assertCode(() => decodeEnginePacket("bAQIDBA=="), ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE);
  });

  test("empty text frame → ERR_EIO_EMPTY_PACKET", () => {
    assertCode(() => decodeEnginePacket(""), ProtocolErrorCodes.EIO_EMPTY_PACKET);
    assertCode(() => decodeEngineRecord(""), ProtocolErrorCodes.EIO_EMPTY_PACKET);
  });

  test("errors are ProtocolError instances with name and code", () => {
    try {
      decodeEnginePacket("x");
      assert.fail("expected a throw");
    } catch (err) {
      assert.ok(err instanceof ProtocolError);
      assert.ok(err instanceof Error);
      assert.equal(err.name, "ProtocolError");
      assert.equal(err.code, "ERR_EIO_UNKNOWN_PACKET_TYPE");
    }
  });
});

describe("polling records (§A3)", () => {
  test("binary record is `b` + base64: bytes 01 02 03 04 ⇄ `bAQIDBA==`", () => {
    assert.equal(encodeEngineRecord({ type: "message", data: new Uint8Array([1, 2, 3, 4]) }), "bAQIDBA==");
    const packet: EnginePacket = decodeEngineRecord("bAQIDBA==");
    assert.equal(packet.type, "message");
    assert.deepEqual([...(packet.data as Uint8Array)], [1, 2, 3, 4]);
  });

  test("a binary record decodes to a Buffer in Node", () => {
    assert.ok(Buffer.isBuffer(decodeEngineRecord("bAQIDBA==").data));
  });

  test("a sub-array view is encoded with its own bytes only", () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 4, 9]);
    assert.equal(encodeEngineRecord({ type: "message", data: backing.subarray(2, 6) }), "bAQIDBA==");
  });

  test("text records are the same as text frames", () => {
    assert.equal(encodeEngineRecord({ type: "message", data: "hello" }), "4hello");
    assert.deepEqual(decodeEngineRecord("4hello"), { type: "message", data: "hello" });
  });

  test("invalid base64 → ERR_EIO_INVALID_BASE64", () => {
    for (const rec of ["b!!!!", "bA", "bAQIDB", "bAQ=D", "bAAAA===", "bAQID\x1e"]) {
      assertCode(() => decodeEngineRecord(rec), ProtocolErrorCodes.EIO_INVALID_BASE64);
    }
  });
});
