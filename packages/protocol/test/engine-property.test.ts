// Property tests: Engine.IO v4 packets and polling payloads round-trip (PROTOCOL.md §A3).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeEnginePacket,
  decodeEngineRecord,
  decodePayload,
  encodeEnginePacket,
  encodeEngineRecord,
  encodePayload,
} from "@plexus/protocol";
import fc from "fast-check";
import { enginePacket, plainBytes } from "./support/arbitraries.js";

test("WebSocket frames: encode → decode is the identity", () => {
  fc.assert(
    fc.property(enginePacket, (packet) => {
      assert.deepStrictEqual(plainBytes(decodeEnginePacket(encodeEnginePacket(packet))), plainBytes(packet));
    }),
    { numRuns: 5000 },
  );
});

test("payload records: encode → decode is the identity", () => {
  fc.assert(
    fc.property(enginePacket, (packet) => {
      assert.deepStrictEqual(plainBytes(decodeEngineRecord(encodeEngineRecord(packet))), plainBytes(packet));
    }),
    { numRuns: 5000 },
  );
});

test("polling payloads: encode → decode is the identity, and re-encoding is byte-identical", () => {
  fc.assert(
    fc.property(fc.array(enginePacket, { minLength: 1, maxLength: 20 }), (packets) => {
      const body = encodePayload(packets);
      const decoded = decodePayload(body);
      assert.deepStrictEqual(plainBytes(decoded), plainBytes(packets));
      assert.equal(encodePayload(decoded), body);
    }),
    { numRuns: 3000 },
  );
});
