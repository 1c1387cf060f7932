// Fuzz: ≥100,000 random and mutated inputs into each Engine.IO decoder (packet, record, payload).
// Only ProtocolError may escape, no input may hang, and the heap must not grow with the run.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeEnginePacket,
  decodeEngineRecord,
  decodePayload,
  ENGINE_PACKET_TYPES,
  type EnginePacket,
  encodeEnginePacket,
  encodeEngineRecord,
  encodePayload,
} from "@plexus/protocol";
import fc from "fast-check";
import { enginePacket } from "./support/arbitraries.js";
import { Fuzz, guarded, HANG_LIMIT_MS, heapUsed, prng } from "./support/fuzz.js";

const INPUTS = 100_000;
const HEAP_GROWTH_LIMIT = 32 * 1024 * 1024;

const packets = fc.sample(enginePacket, { numRuns: 300, seed: 7 });
const corpus: string[] = [
  ...packets.map(encodeEngineRecord),
  ...fc
    .sample(fc.array(enginePacket, { minLength: 1, maxLength: 6 }), { numRuns: 200, seed: 8 })
    .map(encodePayload),
  "4hello\x1e2\x1e4world",
  "4hello\x1ebAQIDBA==",
  "2probe",
  '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
];

function checkPacket(packet: EnginePacket): void {
  assert.ok(ENGINE_PACKET_TYPES.includes(packet.type));
  if (packet.data !== undefined)
    assert.ok(typeof packet.data === "string" || packet.data instanceof Uint8Array);
  if (packet.data instanceof Uint8Array) assert.equal(packet.type, "message");
}

function nextInput(f: Fuzz): string {
  if (f.chance(0.15)) return f.randomString(40);
  return f.mutateMany(f.pick(corpus), corpus);
}

test(`engine packet decoder: ${INPUTS} fuzzed frames`, () => {
  const f = new Fuzz(prng(0xe10));
  const stats = { slowest: 0, errors: 0 };
  const before = heapUsed();
  for (let n = 0; n < INPUTS; n++) {
    const input = f.chance(0.05) ? f.bytes() : nextInput(f);
    const packet = guarded(stats, input, () => decodeEnginePacket(input));
    if (packet !== undefined) {
      checkPacket(packet);
      // Whatever decodes must encode back to the same frame.
      assert.deepEqual(encodeEnginePacket(packet), input);
    }
  }
  assert.ok(stats.slowest < HANG_LIMIT_MS, `slowest input took ${stats.slowest} ms`);
  assert.ok(stats.errors > INPUTS / 20 && stats.errors < INPUTS, `errors: ${stats.errors}`);
  assert.ok(heapUsed() - before < HEAP_GROWTH_LIMIT);
});

test(`engine record decoder: ${INPUTS} fuzzed records`, () => {
  const f = new Fuzz(prng(0xe11));
  const stats = { slowest: 0, errors: 0 };
  for (let n = 0; n < INPUTS; n++) {
    const input = f.chance(0.2) ? `b${f.randomString(12)}` : nextInput(f);
    const packet = guarded(stats, input, () => decodeEngineRecord(input));
    if (packet !== undefined) checkPacket(packet);
  }
  assert.ok(stats.slowest < HANG_LIMIT_MS, `slowest input took ${stats.slowest} ms`);
  assert.ok(stats.errors > 0);
});

test(`payload decoder: ${INPUTS} fuzzed bodies, with and without maxPackets`, () => {
  const f = new Fuzz(prng(0xe12));
  const stats = { slowest: 0, errors: 0 };
  const before = heapUsed();
  for (let n = 0; n < INPUTS; n++) {
    let input = nextInput(f);
    if (f.chance(0.1)) input = `${input}\x1e${nextInput(f)}`;
    const max = f.chance(0.3) ? 1 + f.int(4) : undefined;
    const decoded = guarded(stats, input, () =>
      decodePayload(input, max === undefined ? undefined : { maxPackets: max }),
    );
    if (decoded !== undefined) {
      assert.ok(decoded.length >= 1);
      if (max !== undefined) assert.ok(decoded.length <= max);
      for (const p of decoded) checkPacket(p);
    }
  }
  assert.ok(stats.slowest < HANG_LIMIT_MS, `slowest input took ${stats.slowest} ms`);
  assert.ok(stats.errors > INPUTS / 20 && stats.errors < INPUTS, `errors: ${stats.errors}`);
  assert.ok(heapUsed() - before < HEAP_GROWTH_LIMIT);
});

test("a large payload of many records decodes in bounded time", () => {
  const body = Array.from({ length: 100_000 }, () => "2").join("\x1e");
  const stats = { slowest: 0, errors: 0 };
  const decoded = guarded(stats, "", () => decodePayload(body));
  assert.equal(decoded?.length, 100_000);
  assert.ok(stats.slowest < HANG_LIMIT_MS);
});
