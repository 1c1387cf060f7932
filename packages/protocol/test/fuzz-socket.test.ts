// Fuzz: ≥100,000 random and mutated messages into the Socket.IO decoder, including binary sequences
// (headers, attachments, missing/extra frames). Only ProtocolError may escape, no input may hang, the
// heap stays bounded, and the pending state never holds more than maxAttachments attachments.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  encodeSocketPacket,
  RESERVED_EVENTS,
  SocketDecoder,
  type SocketPacket,
  SocketPacketType,
} from "@plexus/protocol";
import fc from "fast-check";
import { socketPacket } from "./support/arbitraries.js";
import { Fuzz, guarded, HANG_LIMIT_MS, heapUsed, prng } from "./support/fuzz.js";

const INPUTS = 150_000;
const MAX_ATTACHMENTS = 10;
const HEAP_GROWTH_LIMIT = 32 * 1024 * 1024;

const encoded = fc.sample(socketPacket(true), { numRuns: 600, seed: 42 }).map(encodeSocketPacket);
const corpus: string[] = [
  ...encoded.map((e) => e[0]),
  "0",
  "0/admin,",
  "0/admin",
  "1/custom",
  '212["foo"]',
  '3/admin,13["bar"]',
  '51-["a",{"_placeholder":true,"num":0}]',
  '62-/x,7[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]',
  '4{"message":"Invalid namespace"}',
];

/** Invariants of every packet the decoder lets through (PROTOCOL.md §B2 shapes). */
function checkPacket(p: SocketPacket): void {
  assert.ok(p.type >= 0 && p.type <= 6);
  assert.ok(p.nsp.startsWith("/"));
  if (p.id !== undefined) assert.ok(Number.isSafeInteger(p.id) && p.id >= 0);
  const d = p.data;
  switch (p.type) {
    case SocketPacketType.CONNECT:
      assert.ok(d === undefined || (typeof d === "object" && d !== null && !Array.isArray(d)));
      break;
    case SocketPacketType.DISCONNECT:
      assert.equal(d, undefined);
      break;
    case SocketPacketType.CONNECT_ERROR:
      assert.ok(typeof d === "string" || (typeof d === "object" && d !== null && !Array.isArray(d)));
      break;
    case SocketPacketType.EVENT:
    case SocketPacketType.BINARY_EVENT: {
      assert.ok(Array.isArray(d) && d.length > 0);
      const name: unknown = d[0];
      assert.ok(typeof name === "number" || (typeof name === "string" && !RESERVED_EVENTS.has(name)));
      break;
    }
    default:
      assert.ok(Array.isArray(d));
  }
}

test(`socket decoder: ${INPUTS} fuzzed messages (text and binary sequences) on long-lived decoders`, () => {
  const f = new Fuzz(prng(0x5107));
  const stats = { slowest: 0, errors: 0 };
  let decoded = 0;
  let completedBinary = 0;
  let decoder = new SocketDecoder({ maxAttachments: MAX_ATTACHMENTS });
  let waitingFor = 0; // attachments accepted (null returned) since the current header
  const before = heapUsed();
  for (let n = 0; n < INPUTS; n++) {
    let input: string | Uint8Array;
    const r = f.random();
    if (r < 0.25) {
      // A valid packet with its attachments, sometimes with frames dropped or duplicated.
      const [header, ...attachments] = f.pick(encoded);
      const frames: (string | Uint8Array)[] = [f.chance(0.3) ? f.mutate(header, corpus) : header];
      for (const a of attachments) {
        if (f.chance(0.05)) continue;
        frames.push(a as Uint8Array);
        if (f.chance(0.05)) frames.push(f.bytes());
      }
      for (const frame of frames) {
        const out = guarded(stats, frame, () => decoder.add(frame));
        if (out === null) {
          waitingFor = typeof frame === "string" ? 0 : waitingFor + 1;
          assert.ok(waitingFor < MAX_ATTACHMENTS, "pending state bounded by maxAttachments");
        } else {
          waitingFor = 0;
          if (out !== undefined) {
            checkPacket(out);
            decoded++;
            if (out.type >= SocketPacketType.BINARY_EVENT) completedBinary++;
          }
        }
        n++;
      }
      continue;
    }
    if (r < 0.35) input = f.bytes();
    else if (r < 0.45) input = f.randomString(30);
    else input = f.mutateMany(f.pick(corpus), corpus);
    const out = guarded(stats, input, () => decoder.add(input));
    if (out === null) {
      waitingFor = typeof input === "string" ? 0 : waitingFor + 1;
      assert.ok(waitingFor < MAX_ATTACHMENTS, "pending state bounded by maxAttachments");
    } else {
      waitingFor = 0;
      if (out !== undefined) {
        checkPacket(out);
        decoded++;
      }
    }
    if (f.chance(0.001)) {
      decoder = new SocketDecoder({ maxAttachments: MAX_ATTACHMENTS });
      waitingFor = 0;
    }
  }
  assert.ok(stats.slowest < HANG_LIMIT_MS, `slowest input took ${stats.slowest} ms`);
  assert.ok(decoded > INPUTS / 20, `decoded only ${decoded}`);
  assert.ok(completedBinary > 100, `completed only ${completedBinary} binary packets`);
  assert.ok(stats.errors > INPUTS / 10, `errors: ${stats.errors}`);
  assert.ok(heapUsed() - before < HEAP_GROWTH_LIMIT);
});

test("a fresh decoder per message: 100000 mutated headers never leave it in a bad state", () => {
  const f = new Fuzz(prng(0x5108));
  const stats = { slowest: 0, errors: 0 };
  for (let n = 0; n < 100_000; n++) {
    const decoder = new SocketDecoder({ maxAttachments: MAX_ATTACHMENTS });
    const input = f.mutateMany(f.pick(corpus), corpus);
    const out = guarded(stats, input, () => decoder.add(input));
    if (out === undefined) {
      // After an error the decoder holds nothing: a binary frame is unexpected again.
      assert.equal(decoder.awaitingAttachments, false);
    } else if (out !== null) {
      checkPacket(out);
    }
  }
  assert.ok(stats.slowest < HANG_LIMIT_MS, `slowest input took ${stats.slowest} ms`);
});

test("pathological inputs: deep nesting, huge numbers, long digit runs, long namespaces", () => {
  const stats = { slowest: 0, errors: 0 };
  const decoder = new SocketDecoder();
  const inputs = [
    `2["a",${"[".repeat(100_000)}${"]".repeat(100_000)}]`,
    `2["a",${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}]`,
    `0${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`,
    `5${"9".repeat(100_000)}-["a"]`,
    `2${"9".repeat(100_000)}["a"]`,
    `2/${"a".repeat(1_000_000)}`,
    `2/${"a".repeat(1_000_000)},["a"]`,
    `2["${"x".repeat(1_000_000)}"]`,
    `2["a",${"[".repeat(2000)}`,
    `51-${"[".repeat(100_000)}${"]".repeat(100_000)}`,
  ];
  for (const input of inputs) {
    decoder.reset();
    guarded(stats, input.slice(0, 60), () => decoder.add(input));
  }
  assert.ok(stats.errors >= inputs.length - 2);
  assert.ok(stats.slowest < HANG_LIMIT_MS, `slowest input took ${stats.slowest} ms`);
});
