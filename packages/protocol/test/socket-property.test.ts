// Property tests: Socket.IO v5 encode → decode is the identity on valid packets (PROTOCOL.md §B2),
// for random namespaces, ack ids, unicode and binary nested at random depths.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeSocketPacket, SocketDecoder } from "@plexus/protocol";
import fc from "fast-check";
import { expectedAfterDecode, plainBytes, socketPacket } from "./support/arbitraries.js";

const RUNS = 4000;

test("encode → decode round-trips random packets (all types, binary at random depths)", () => {
  const decoder = new SocketDecoder({ maxAttachments: 1000 });
  let withAttachments = 0;
  fc.assert(
    fc.property(socketPacket(true), (packet) => {
      const [header, ...attachments] = encodeSocketPacket(packet);
      if (attachments.length > 0) withAttachments++;
      let decoded = decoder.add(header);
      for (let i = 0; i < attachments.length; i++) {
        assert.equal(decoded, null, "packet completes only with its last attachment");
        decoded = decoder.add(attachments[i] as Uint8Array);
      }
      assert.deepStrictEqual(plainBytes(decoded), plainBytes(expectedAfterDecode(packet)));
      assert.equal(decoder.awaitingAttachments, false);
    }),
    { numRuns: RUNS },
  );
  // The generator must really exercise the binary path.
  assert.ok(withAttachments > RUNS / 20, `only ${withAttachments} packets had attachments`);
});

test("placeholders are numbered 0..n-1 in text order (depth-first), one per attachment", () => {
  fc.assert(
    fc.property(socketPacket(true), (packet) => {
      const [header, ...attachments] = encodeSocketPacket(packet);
      const nums = [...header.matchAll(/\{"_placeholder":true,"num":(\d+)\}/g)].map((m) => Number(m[1]));
      assert.deepEqual(
        nums,
        attachments.map((_, i) => i),
      );
    }),
    { numRuns: RUNS },
  );
});

test("decoding a packet re-encodes to the same text (canonical form)", () => {
  const decoder = new SocketDecoder({ maxAttachments: 1000 });
  fc.assert(
    fc.property(socketPacket(true), (packet) => {
      const first = encodeSocketPacket(packet);
      let decoded = decoder.add(first[0]);
      for (const a of first.slice(1)) decoded = decoder.add(a as Uint8Array);
      assert.ok(decoded !== null);
      const second = encodeSocketPacket(decoded);
      assert.equal(second[0], first[0]);
      assert.equal(second.length, first.length);
    }),
    { numRuns: RUNS },
  );
});
