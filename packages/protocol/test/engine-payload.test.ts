// Engine.IO v4 polling payloads and base64, exact wire (PROTOCOL.md §A3–A4).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodePayload,
  encodePayload,
  fromBase64,
  ProtocolError,
  ProtocolErrorCodes,
  RECORD_SEPARATOR,
  toBase64,
} from "@plexus/protocol";
import fc from "fast-check";
import { fromBase64Portable, toBase64Portable } from "../src/base64.js";

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ProtocolError && err.code === code);
}

describe("polling payload (§A3)", () => {
  test("the record separator is \\x1e", () => {
    assert.equal(RECORD_SEPARATOR, "\x1e");
  });

  test("`4hello\\x1e2\\x1e4world` ⇄ message, ping, message", () => {
    const packets = [
      { type: "message", data: "hello" },
      { type: "ping" },
      { type: "message", data: "world" },
    ] as const;
    assert.equal(encodePayload(packets), "4hello\x1e2\x1e4world");
    assert.deepEqual(decodePayload("4hello\x1e2\x1e4world"), packets);
  });

  test("binary inside a payload is `b` + base64, in both directions: `4hello\\x1ebAQIDBA==` comes back identical", () => {
    const decoded = decodePayload("4hello\x1ebAQIDBA==");
    assert.equal(decoded.length, 2);
    assert.deepEqual(decoded[0], { type: "message", data: "hello" });
    assert.equal(decoded[1]?.type, "message");
    assert.deepEqual([...(decoded[1]!.data as Uint8Array)], [1, 2, 3, 4]);
    assert.equal(encodePayload(decoded), "4hello\x1ebAQIDBA==");
  });

  test("binary records decode to Buffers in Node (server apps rely on it)", () => {
    const [packet] = decodePayload("bAQIDBA==");
    assert.ok(Buffer.isBuffer(packet?.data));
  });

  test("single packet payload has no separator", () => {
    assert.equal(encodePayload([{ type: "noop" }]), "6");
    assert.deepEqual(decodePayload("6"), [{ type: "noop" }]);
  });

  test("empty packet list encodes to the empty body", () => {
    assert.equal(encodePayload([]), "");
  });

  test("the handshake open packet as a whole body", () => {
    const body =
      '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
    assert.deepEqual(decodePayload(body), [{ type: "open", data: body.slice(1) }]);
  });

  test("close from the client (`1`) and noop (`6`)", () => {
    assert.deepEqual(decodePayload("1"), [{ type: "close" }]);
    assert.equal(encodePayload([{ type: "noop" }]), "6");
  });

  test("a malformed record rejects the whole payload", () => {
    assertCode(() => decodePayload("4hello\x1eabc"), ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE);
    assertCode(() => decodePayload("4hello\x1e\x1e4world"), ProtocolErrorCodes.EIO_EMPTY_PACKET);
    assertCode(() => decodePayload(""), ProtocolErrorCodes.EIO_EMPTY_PACKET);
    assertCode(() => decodePayload("4a\x1e"), ProtocolErrorCodes.EIO_EMPTY_PACKET);
    assertCode(() => decodePayload("4a\x1eb$$$$"), ProtocolErrorCodes.EIO_INVALID_BASE64);
  });

  test("maxPackets bounds the record count", () => {
    assert.equal(decodePayload("2\x1e2", { maxPackets: 2 }).length, 2);
    assertCode(
      () => decodePayload("2\x1e2\x1e2", { maxPackets: 2 }),
      ProtocolErrorCodes.EIO_TOO_MANY_PACKETS,
    );
  });
});

describe("base64", () => {
  test("padded and unpadded forms", () => {
    assert.equal(toBase64(new Uint8Array([1, 2, 3, 4])), "AQIDBA==");
    assert.equal(toBase64(new Uint8Array([1, 2, 3, 4, 5])), "AQIDBAU=");
    assert.equal(toBase64(new Uint8Array([1, 2, 3])), "AQID");
    assert.equal(toBase64(new Uint8Array(0)), "");
    assert.deepEqual([...fromBase64("AQIDBA")], [1, 2, 3, 4]);
    assert.deepEqual([...fromBase64("xAQIDBA==", 1)], [1, 2, 3, 4]);
  });

  test("the portable (browser) codec agrees with Node's on 3000 random byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const text = Buffer.from(bytes).toString("base64");
        assert.equal(toBase64Portable(bytes), text);
        assert.deepEqual([...fromBase64Portable(text)], [...bytes]);
        assert.deepEqual([...fromBase64Portable(`b${text.replace(/=+$/, "")}`, 1)], [...bytes]);
      }),
      { numRuns: 3000 },
    );
  });

  // Regression for the fast native validation (length check instead of a regex): both paths must accept
  // and refuse exactly the same strings, including non-ASCII characters whose low byte is in the alphabet.
  test("native and portable decoders agree on 20000 random and mutated strings", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const noise = fc.constantFrom("=", "-", "_", " ", "\n", "\u0141", "\u00c1", "\u0100", "!", "\x1e");
    const char = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...alphabet) },
      { weight: 1, arbitrary: noise },
    );
    const outcome = (fn: () => Uint8Array): string => {
      try {
        return Buffer.from(fn()).toString("hex");
      } catch (err) {
        assert.ok(err instanceof ProtocolError && err.code === ProtocolErrorCodes.EIO_INVALID_BASE64);
        return "error";
      }
    };
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), fc.nat(2), (chars, pad) => {
        const text = chars.join("") + "=".repeat(pad);
        assert.equal(
          outcome(() => fromBase64(text)),
          outcome(() => fromBase64Portable(text)),
          JSON.stringify(text),
        );
      }),
      { numRuns: 20000 },
    );
  });

  test("the URL-safe alphabet is accepted by both paths, as by Node and engine.io-parser", () => {
    assert.deepEqual([...fromBase64("AQ-_")], [1, 15, 191]);
    assert.deepEqual([...fromBase64Portable("AQ-_")], [1, 15, 191]);
  });

  test("the portable codec rejects what the native path rejects", () => {
    for (const bad of [
      "A",
      "AQIDB",
      "AQIDB=",
      "A=",
      "!!!!",
      "AQ=D",
      "AAAA===",
      "AQ==AQ==",
      "AQ\u0141D",
      "AQID BA==",
    ]) {
      assertCode(() => fromBase64Portable(bad), ProtocolErrorCodes.EIO_INVALID_BASE64);
      assertCode(() => fromBase64(bad), ProtocolErrorCodes.EIO_INVALID_BASE64);
    }
  });
});
