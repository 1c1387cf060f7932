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

test("other extensions as notepack.io reads them: timestamps (-1) as Date, the rest as [type, bytes]", () => {
  const header: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  fc.assert(
    fc.property(
      fc.integer({ min: -128, max: 127 }),
      fc.constantFrom(1, 2, 4, 8, 12, 16, 3, 200),
      fc.boolean(),
      fc.nat(),
      (type, length, preferFixed, seed) => {
        // Timestamps carry nanoseconds below 1e9 in their first bits, as a real encoder writes them.
        const data = Buffer.alloc(length);
        for (let i = 0; i < length; i++) data[i] = (seed >>> (i % 24)) & 0xff;
        if (type === -1 && length >= 8) data[0] = 0;
        if (type === 0 && (length === 1 || length === 8)) return; // undefined and Date: tested above
        const fixed = preferFixed && header[length] !== undefined;
        // notepack reads any ext 8 of type -1 as a 12-byte timestamp, past its end; we give [type, bytes].
        if (!fixed && type === -1 && length !== 12) {
          assert.deepEqual(decodeMsgpack(Buffer.from([0xc7, length, 0xff, ...data])), [-1, data]);
          return;
        }
        const bytes = fixed
          ? Buffer.from([header[length]!, type & 0xff, ...data])
          : Buffer.from([0xc7, length, type & 0xff, ...data]);
        const ours = decodeMsgpack(bytes);
        const theirs = notepack.decode(bytes);
        // Dates out of range are Invalid Dates on both sides (which deepEqual never finds equal).
        if (theirs instanceof Date)
          assert.ok(ours instanceof Date && Object.is(ours.getTime(), theirs.getTime()));
        else assert.deepEqual(ours, theirs);
      },
    ),
    { numRuns: 1000 },
  );
});

test("a Uint8Array in (not a Buffer) still gives Buffers for bin", () => {
  const bytes = new Uint8Array(notepack.encode({ b: Buffer.from([1, 2, 3]) }) as Buffer);
  const decoded = decodeMsgpack(bytes) as { b: unknown };
  assert.ok(Buffer.isBuffer(decoded.b));
  assert.deepEqual([...(decoded.b as Buffer)], [1, 2, 3]);
});
