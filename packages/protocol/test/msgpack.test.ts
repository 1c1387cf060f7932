// The msgpack parser against the format of socket.io-msgpack-parser (npm, which encodes with notepack.io):
// exact bytes for each kind of value, both directions of decoding, the parser contract, and bad input that
// only ever throws ProtocolError (random and mutated bytes included).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import {
  decodeMsgpack,
  encodeMsgpack,
  msgpackParser,
  ProtocolError,
  ProtocolErrorCodes,
  type SocketPacket,
  validateSocketPacket,
} from "@plexus/protocol";
import fc from "fast-check";

interface OfficialDecoder {
  add(chunk: unknown): void;
  on(ev: "decoded", fn: (packet: unknown) => void): void;
}
const require = createRequire(import.meta.url);
const official = require("socket.io-msgpack-parser") as {
  Encoder: new () => { encode(packet: unknown): [Buffer] };
  Decoder: new () => OfficialDecoder;
};
/** The msgpack codec socket.io-msgpack-parser itself encodes and decodes with. */
const notepack = createRequire(require.resolve("socket.io-msgpack-parser"))("notepack.io") as {
  encode(value: unknown): Buffer;
  decode(bytes: Buffer): unknown;
};

function officialEncode(value: unknown): Uint8Array {
  return new Uint8Array(notepack.encode(value));
}

function officialDecode(bytes: Uint8Array): unknown {
  return notepack.decode(Buffer.from(bytes));
}

/** A whole packet through socket.io-msgpack-parser's decoder (which checks its shape). */
function officialDecodePacket(bytes: Uint8Array): unknown {
  const decoder = new official.Decoder();
  let out: unknown;
  decoder.on("decoded", (p) => {
    out = p;
  });
  decoder.add(Buffer.from(bytes));
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

const samples: [string, unknown][] = [
  ["small ints", [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40]],
  ["negative ints", [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40)]],
  ["floats", [0.5, -1.25, Number.POSITIVE_INFINITY, Number.NaN]],
  ["strings", ["", "a", "x".repeat(31), "x".repeat(32), "é".repeat(200), "ü".repeat(40000), "€😀"]],
  ["nil, booleans, undefined", [null, true, false, undefined]],
  ["nested", { a: [1, { b: "c" }], d: {}, e: [] }],
  [
    "long array and map",
    [
      Array.from({ length: 20 }, (_, i) => i),
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
    ],
  ],
  ["date", new Date(1_700_000_000_123)],
  ["negative date", new Date(-86_400_000)],
];

describe("msgpack values", () => {
  for (const [name, value] of samples) {
    test(`${name}: the same bytes as socket.io-msgpack-parser, decoded alike both ways`, () => {
      const ours = encodeMsgpack(value);
      assert.equal(hex(ours), hex(officialEncode(value)));
      assert.deepEqual(officialDecode(ours), value);
      assert.deepEqual(decodeMsgpack(ours), value);
    });
  }

  test("a Buffer is bin and comes back as a Buffer view; an ArrayBuffer is ext 0 and comes back as one", () => {
    const buffer = Buffer.from([1, 2, 3]);
    const arrayBuffer = new Uint8Array([4, 5]).buffer;
    const value = { buffer, arrayBuffer };
    const ours = encodeMsgpack(value);
    assert.equal(hex(ours), hex(officialEncode(value)));
    assert.equal(hex(ours).includes("c403010203"), true);
    assert.equal(hex(ours).includes("c702000405"), true);
    const back = decodeMsgpack(Buffer.from(ours)) as { buffer: unknown; arrayBuffer: unknown };
    assert.ok(Buffer.isBuffer(back.buffer));
    assert.deepEqual([...(back.buffer as Buffer)], [1, 2, 3]);
    assert.ok(back.arrayBuffer instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(back.arrayBuffer)], [4, 5]);
  });

  test("a Uint8Array view is sent as its own bytes, not its whole backing buffer", () => {
    const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    assert.equal(hex(encodeMsgpack(view)), "c4020807");
  });

  test("functions are left out of maps and become nil in arrays; toJSON is honoured", () => {
    assert.deepEqual(decodeMsgpack(encodeMsgpack({ a: 1, f: () => 0 })), { a: 1 });
    assert.deepEqual(decodeMsgpack(encodeMsgpack([() => 0])), [null]);
    assert.deepEqual(decodeMsgpack(encodeMsgpack({ toJSON: () => "x" })), "x");
  });

  test("a cycle, a BigInt and a Blob are refused with a TypeError", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeMsgpack(cyclic), TypeError);
    assert.throws(() => encodeMsgpack(1n), TypeError);
    assert.throws(() => encodeMsgpack(new Blob(["a"])), TypeError);
  });

  test("a __proto__ key stays an own property", () => {
    const bytes = officialEncode(JSON.parse('{"__proto__":{"polluted":true}}'));
    const value = decodeMsgpack(bytes) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("property: any JSON value decodes alike on both sides, with the reference's bytes", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const ours = encodeMsgpack(value);
        // A `__proto__` key is where the two differ on purpose: the reference assigns it (setting the
        // prototype), Plexus keeps an own property (tested above). Compare the rest.
        if (JSON.stringify(value).includes('"__proto__"')) return;
        assert.deepEqual(decodeMsgpack(ours), officialDecode(ours));
        // Where the reference writes what it reads back (it mangles integers beyond ±2^63), same bytes.
        const theirs = officialEncode(value);
        if (isDeepStrictEqual(officialDecode(theirs), value)) assert.equal(hex(ours), hex(theirs));
      }),
      // A fixed seed: the same 1000 values on every run (a failure reproduces; no new ones under CI).
      { numRuns: 1000, seed: 0x5eed },
    );
  });
});

function invalidCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtocolError, String(err));
    return err.code;
  }
  assert.fail("no error");
}

describe("msgpack bad input", () => {
  test("truncated, trailing, unknown type byte, unknown extension", () => {
    for (const h of ["", "92", "a5616263", "c4ff00", "dd7fffffff", "c1", "0000", "d40101", "c70105ff"]) {
      assert.equal(
        invalidCode(() => decodeMsgpack(Buffer.from(h, "hex"))),
        ProtocolErrorCodes.SIO_INVALID_MSGPACK,
        h,
      );
    }
  });

  test("nesting deeper than the limit is refused before the stack runs out", () => {
    const deep = new Uint8Array(100_001).fill(0x91);
    deep[100_000] = 0xc0;
    assert.equal(
      invalidCode(() => decodeMsgpack(deep)),
      ProtocolErrorCodes.SIO_INVALID_MSGPACK,
    );
  });

  test("fuzz: random and mutated bytes only ever throw ProtocolError", () => {
    const seeds = samples.map(([, v]) => encodeMsgpack({ type: 2, nsp: "/", data: ["ev", v] }));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.tuple(fc.nat(seeds.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, at, b]) => {
            const copy = Uint8Array.from(seeds[i]!);
            copy[at % copy.length] = b;
            return copy;
          }),
        ),
        (bytes) => {
          const decoder = new msgpackParser.Decoder();
          try {
            decoder.add(bytes);
          } catch (err) {
            if (!(err instanceof ProtocolError)) throw err;
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

describe("msgpack parser", () => {
  function decodeAll(messages: (string | Uint8Array)[]): SocketPacket[] {
    const decoder = new msgpackParser.Decoder();
    const out: SocketPacket[] = [];
    decoder.on("decoded", (p) => out.push(p));
    for (const m of messages) decoder.add(m);
    return out;
  }

  test("one binary message per packet, readable by socket.io-msgpack-parser, binary inside", () => {
    const packet: SocketPacket = { type: 2, nsp: "/chat", id: 4, data: ["file", Buffer.from([1, 2])] };
    const messages = new msgpackParser.Encoder().encode(packet);
    assert.equal(messages.length, 1);
    assert.deepEqual(officialDecodePacket(messages[0]), {
      type: 2,
      nsp: "/chat",
      id: 4,
      data: ["file", Buffer.from([1, 2])],
    });
  });

  test("BINARY_EVENT / BINARY_ACK are written as EVENT / ACK (the format has no attachments)", () => {
    const [bytes] = new msgpackParser.Encoder().encode({ type: 6, nsp: "/", id: 1, data: [] });
    assert.deepEqual(officialDecodePacket(bytes), { type: 3, nsp: "/", id: 1, data: [] });
  });

  test("decodes what socket.io-msgpack-parser encodes, extra keys (options) included", () => {
    const bytes = officialEncode({
      type: 2,
      data: ["hi", { a: 1 }],
      options: { compress: true },
      nsp: "/",
      id: 0,
    });
    assert.deepEqual(decodeAll([bytes]), [
      { type: 2, data: ["hi", { a: 1 }], options: { compress: true }, nsp: "/", id: 0 },
    ]);
  });

  test("refuses text, types 5 and 6, bad namespaces, ids and payloads, reserved events", () => {
    const cases: [unknown, string][] = [
      [{ type: 5, nsp: "/", data: ["a"] }, ProtocolErrorCodes.SIO_INVALID_PACKET],
      [{ type: 9, nsp: "/" }, ProtocolErrorCodes.SIO_INVALID_PACKET],
      [{ type: 2, nsp: 3, data: ["a"] }, ProtocolErrorCodes.SIO_INVALID_PACKET],
      [{ type: 2, nsp: "x", data: ["a"] }, ProtocolErrorCodes.SIO_INVALID_PACKET],
      [{ type: 2, nsp: "/", id: -1, data: ["a"] }, ProtocolErrorCodes.SIO_INVALID_PACKET],
      [{ type: 2, nsp: "/", id: 1.5, data: ["a"] }, ProtocolErrorCodes.SIO_INVALID_PACKET],
      [{ type: 2, nsp: "/", data: {} }, ProtocolErrorCodes.SIO_INVALID_PAYLOAD],
      [{ type: 2, nsp: "/" }, ProtocolErrorCodes.SIO_INVALID_PAYLOAD],
      [{ type: 0, nsp: "/", data: [] }, ProtocolErrorCodes.SIO_INVALID_PAYLOAD],
      [{ type: 2, nsp: "/", data: ["disconnect"] }, ProtocolErrorCodes.SIO_RESERVED_EVENT],
      ["string", ProtocolErrorCodes.SIO_INVALID_PACKET],
    ];
    for (const [value, code] of cases) {
      assert.equal(
        invalidCode(() => decodeAll([officialEncode(value)])),
        code,
        JSON.stringify(value),
      );
    }
    assert.equal(
      invalidCode(() => decodeAll(["2[]"])),
      ProtocolErrorCodes.SIO_INVALID_MSGPACK,
    );
    assert.deepEqual(validateSocketPacket({ type: 1, nsp: "/a" }), { type: 1, nsp: "/a" });
  });
});
