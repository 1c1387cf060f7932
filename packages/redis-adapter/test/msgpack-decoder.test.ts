/**
 * The MessagePack decoder that reads what anyone with Redis access may publish: it agrees with
 * notepack.io (socket.io's codec) on everything notepack writes, and on random or mutated bytes it
 * returns or throws `MsgpackError` — never another error, never a hang, never an allocation the input
 * does not pay for.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeMsgpack, MsgpackError } from "@plexus/redis-adapter/msgpack-decoder";
import fc from "fast-check";
import notepack from "notepack.io";

function decodesOrRejects(bytes: Uint8Array): void {
  try {
    decodeMsgpack(bytes);
  } catch (err) {
    if (!(err instanceof MsgpackError)) throw err;
  }
}

const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
    fc.array(tie("any"), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie("any"), { maxKeys: 5 }),
  ),
})).any;

test("decodes what notepack.io encodes exactly as notepack.io does", () => {
  fc.assert(
    fc.property(value, (v) => {
      const bytes = notepack.encode(v) as Buffer;
      assert.deepEqual(decodeMsgpack(bytes), notepack.decode(bytes));
    }),
    { numRuns: 500 },
  );
});

test("notepack's extensions: undefined, ArrayBuffer, Date", () => {
  const bytes = notepack.encode([
    undefined,
    new Uint8Array([1, 2]).buffer,
    new Date(1_700_000_000_000),
  ]) as Buffer;
  assert.deepEqual(decodeMsgpack(bytes), notepack.decode(bytes));
});

test("random bytes and mutated encodings: a value or MsgpackError, nothing else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRejects(bytes)),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(value, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
      const bytes = Buffer.from(notepack.encode(v) as Buffer);
      bytes[at % bytes.length] = byte;
      decodesOrRejects(bytes);
      decodesOrRejects(bytes.subarray(0, at % bytes.length));
    }),
    { numRuns: 2000 },
  );
});

test("lengths that lie are refused before anything is allocated; deep nesting is refused", () => {
  const lies = [
    [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 4 billion
    [0xdf, 0xff, 0xff, 0xff, 0xff], // map32 of 4 billion
    [0xdb, 0xff, 0xff, 0xff, 0xff], // str32 of 4 GB
    [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32 of 4 GB
    [0xc9, 0xff, 0xff, 0xff, 0xff, 0x00], // ext32 ArrayBuffer of 4 GB (notepack would allocate it)
    [0xc1], // never used
    [0x92, 0x01], // array of 2 with 1 element
  ];
  for (const lie of lies) assert.throws(() => decodeMsgpack(Buffer.from(lie)), MsgpackError);
  assert.throws(() => decodeMsgpack(Buffer.alloc(100_000, 0x91)), MsgpackError);
  assert.throws(() => decodeMsgpack(Buffer.from([0x01, 0x02])), MsgpackError);
});

test("a __proto__ key is plain data, not a prototype", () => {
  const bytes = Buffer.from([0x81, 0xa9, ...Buffer.from("__proto__"), 0x81, 0xa1, 0x78, 0x01]);
  const decoded = decodeMsgpack(bytes) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.deepEqual(Object.keys(decoded), ["__proto__"]);
  assert.equal((decoded as { x?: unknown }).x, undefined);
});
