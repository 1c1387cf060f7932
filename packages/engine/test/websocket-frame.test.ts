import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closeFrame, closePayload, frame, frameHeader, frameText, Opcode } from "../src/websocket/index.js";

const hex = (b: Buffer): string => b.toString("hex");

describe("frame (RFC 6455 §5.2, server frames)", () => {
  it("frames a short text message with FIN and a 7-bit length", () => {
    // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    assert.equal(hex(frame("Hello", Opcode.TEXT)), "810548656c6c6f");
  });

  it("frames a binary message", () => {
    assert.equal(hex(frame(Buffer.from([1, 2, 3, 4]), Opcode.BINARY)), "820401020304");
  });

  it("frames an empty message", () => {
    assert.equal(hex(frame(Buffer.alloc(0), Opcode.BINARY)), "8200");
    assert.equal(hex(frameText("")), "8100");
  });

  it("uses the 7-bit length up to 125 bytes", () => {
    const out = frame(Buffer.alloc(125, 0x61), Opcode.TEXT);
    assert.equal(out.length, 127);
    assert.equal(hex(out.subarray(0, 2)), "817d");
  });

  it("uses the 16-bit length from 126 to 65535 bytes", () => {
    assert.equal(hex(frame(Buffer.alloc(126), Opcode.BINARY).subarray(0, 4)), "827e007e");
    const max = frame(Buffer.alloc(65535), Opcode.BINARY);
    assert.equal(hex(max.subarray(0, 4)), "827effff");
    assert.equal(max.length, 65539);
  });

  it("uses the 64-bit length from 65536 bytes", () => {
    const out = frame(Buffer.alloc(65536), Opcode.BINARY);
    assert.equal(hex(out.subarray(0, 10)), "827f0000000000010000");
    assert.equal(out.length, 65546);
  });

  it("sets RSV1 for compressed frames and clears FIN for fragments", () => {
    assert.equal(hex(frame("a", Opcode.TEXT, { rsv1: true })), "c10161");
    assert.equal(hex(frame("a", Opcode.TEXT, { fin: false })), "010161");
    assert.equal(hex(frame("b", Opcode.CONTINUATION)), "800162");
  });

  it("masks when given a key (RFC 6455 §5.7 masked Hello)", () => {
    const out = frame("Hello", Opcode.TEXT, { mask: Buffer.from([0x37, 0xfa, 0x21, 0x3d]) });
    assert.equal(hex(out), "818537fa213d7f9f4d5158");
  });

  it("does not modify a payload it masks", () => {
    const payload = Buffer.from("Hello");
    frame(payload, Opcode.BINARY, { mask: Buffer.from([1, 2, 3, 4]) });
    assert.equal(payload.toString(), "Hello");
  });

  it("writes UTF-8 text in one allocation with the byte length, not the string length", () => {
    const out = frameText("é€😀");
    // 2 + 3 + 4 = 9 bytes of UTF-8
    assert.equal(hex(out), "8109c3a9e282ac f09f9880".replace(" ", ""));
  });

  it("frames ping and pong control frames", () => {
    assert.equal(hex(frame(Buffer.from("hi"), Opcode.PING)), "89026869");
    assert.equal(hex(frame(Buffer.alloc(0), Opcode.PONG)), "8a00");
  });

  it("builds a header alone for writev", () => {
    assert.equal(hex(frameHeader(70000, Opcode.BINARY)), "827f0000000000011170");
    assert.equal(hex(frameHeader(300, Opcode.TEXT)), "817e012c");
  });
});

describe("close frames (§5.5.1)", () => {
  it("encodes a code and a reason", () => {
    assert.equal(hex(closeFrame(1000, "bye")), "880503e8627965");
  });

  it("encodes 1005 and no code as an empty payload", () => {
    assert.equal(hex(closeFrame()), "8800");
    assert.equal(hex(closeFrame(1005, "ignored")), "8800");
  });

  it("truncates a long reason to 123 bytes without splitting a UTF-8 sequence", () => {
    const payload = closePayload(1001, "€".repeat(60)); // 180 bytes of reason
    assert.equal(payload.length, 2 + 123);
    assert.ok(payload.subarray(2).toString("utf8") === "€".repeat(41));
    const cut = closePayload(1001, `a${"€".repeat(60)}`); // 1 + 3*40 = 121, next € would make 124
    assert.equal(cut.length, 2 + 121);
  });
});
