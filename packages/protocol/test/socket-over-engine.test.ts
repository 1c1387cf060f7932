// Both layers together, as the suites see the wire: each Socket.IO packet is one Engine.IO message
// (PROTOCOL.md §B1), attachments are binary messages (`b<base64>` records when polling, §A3/§B2).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeEnginePacket,
  decodePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodePayload,
  encodeSocketPacket,
  ProtocolError,
  ProtocolErrorCodes,
  SocketDecoder,
  SocketPacketType,
} from "@plexus/protocol";

function toEngine(parts: readonly (string | Uint8Array | Blob)[]): EnginePacket[] {
  return parts.map((data) => {
    assert.ok(!(data instanceof Blob));
    return { type: "message", data };
  });
}

test('an EVENT on the wire is `42["foo"]`, a CONNECT `40`, the server\'s namespace CONNECT `40/admin,`', () => {
  const frame = (packet: Parameters<typeof encodeSocketPacket>[0]) =>
    encodeEnginePacket({ type: "message", data: encodeSocketPacket(packet)[0] });
  assert.equal(frame({ type: SocketPacketType.EVENT, nsp: "/", data: ["foo"] }), '42["foo"]');
  assert.equal(frame({ type: SocketPacketType.CONNECT, nsp: "/" }), "40");
  assert.equal(
    frame({ type: SocketPacketType.CONNECT, nsp: "/admin", data: { sid: "x" } }),
    '40/admin,{"sid":"x"}',
  );
});

test("`4abc` is a valid engine message whose Socket.IO packet is invalid", () => {
  const message = decodeEnginePacket("4abc");
  assert.deepEqual(message, { type: "message", data: "abc" });
  assert.throws(
    () => new SocketDecoder().add(message.data as string),
    (e: unknown) => e instanceof ProtocolError && e.code === ProtocolErrorCodes.SIO_UNKNOWN_PACKET_TYPE,
  );
});

test("a binary event over polling: header record then `b<base64>` record, and back", () => {
  const parts = encodeSocketPacket({
    type: SocketPacketType.EVENT,
    nsp: "/",
    data: ["a", new Uint8Array([1, 2, 3, 4])],
  });
  const body = encodePayload(toEngine(parts));
  assert.equal(body, '451-["a",{"_placeholder":true,"num":0}]\x1ebAQIDBA==');
  const decoder = new SocketDecoder();
  const out = decodePayload(body).map((p) => decoder.add(p.data as string | Uint8Array));
  assert.equal(out[0], null);
  const packet = out[1];
  assert.ok(packet);
  assert.equal(packet.type, SocketPacketType.BINARY_EVENT);
  const bytes = (packet.data as unknown[])[1];
  assert.ok(Buffer.isBuffer(bytes), "polling attachments reach the server as Buffers");
  assert.deepEqual([...(bytes as Uint8Array)], [1, 2, 3, 4]);
});

test("a binary ack over WebSocket: text frame then the raw bytes", () => {
  const parts = encodeSocketPacket({
    type: SocketPacketType.ACK,
    nsp: "/admin",
    id: 7,
    data: [Buffer.from([9])],
  });
  const frames = toEngine(parts).map(encodeEnginePacket);
  assert.equal(frames[0], '461-/admin,7[{"_placeholder":true,"num":0}]');
  assert.deepEqual([...(frames[1] as Uint8Array)], [9]);
  const decoder = new SocketDecoder();
  const decoded = frames.map((f) => decoder.add(decodeEnginePacket(f).data as string | Uint8Array));
  assert.deepEqual(decoded[1], {
    type: SocketPacketType.BINARY_ACK,
    nsp: "/admin",
    id: 7,
    data: [Buffer.from([9])],
  });
});
