// Socket.IO v5 streaming decoder, exact wire and every receive check of PROTOCOL.md §B2.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DEFAULT_MAX_ATTACHMENTS,
  ProtocolError,
  ProtocolErrorCodes,
  RESERVED_EVENTS,
  SocketDecoder,
  SocketPacketType,
} from "@plexus/protocol";

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } = SocketPacketType;
const C = ProtocolErrorCodes;

function decode(text: string) {
  return new SocketDecoder().add(text);
}

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe("valid packets (§B1–B2)", () => {
  test("`0` → CONNECT to / without payload", () => {
    assert.deepEqual(decode("0"), { type: CONNECT, nsp: "/" });
  });

  test('`0{"token":"abc"}` → CONNECT with auth', () => {
    assert.deepEqual(decode('0{"token":"abc"}'), { type: CONNECT, nsp: "/", data: { token: "abc" } });
  });

  test("`40/admin,` and `40/admin` (no comma) are both CONNECT to /admin", () => {
    assert.deepEqual(decode("0/admin,"), { type: CONNECT, nsp: "/admin" });
    assert.deepEqual(decode("0/admin"), { type: CONNECT, nsp: "/admin" });
    assert.deepEqual(decode("0/random"), { type: CONNECT, nsp: "/random" });
    assert.deepEqual(decode('0/admin,{"a":1}'), { type: CONNECT, nsp: "/admin", data: { a: 1 } });
  });

  test("`41/custom` (no comma) and `41/custom,` → DISCONNECT from /custom; `1` from /", () => {
    assert.deepEqual(decode("1/custom"), { type: DISCONNECT, nsp: "/custom" });
    assert.deepEqual(decode("1/custom,"), { type: DISCONNECT, nsp: "/custom" });
    assert.deepEqual(decode("1"), { type: DISCONNECT, nsp: "/" });
  });

  test('`212["foo"]` → EVENT with ack id 12', () => {
    assert.deepEqual(decode('212["foo"]'), { type: EVENT, nsp: "/", id: 12, data: ["foo"] });
    assert.deepEqual(decode('2["foo"]'), { type: EVENT, nsp: "/", data: ["foo"] });
    assert.deepEqual(decode('2456["a",1]'), { type: EVENT, nsp: "/", id: 456, data: ["a", 1] });
    assert.deepEqual(decode('2/admin,789["a"]'), { type: EVENT, nsp: "/admin", id: 789, data: ["a"] });
  });

  test("an event name may be a number", () => {
    assert.deepEqual(decode("2[42,true]"), { type: EVENT, nsp: "/", data: [42, true] });
  });

  test('`3/admin,13["bar"]` → ACK 13 on /admin', () => {
    assert.deepEqual(decode('3/admin,13["bar"]'), { type: ACK, nsp: "/admin", id: 13, data: ["bar"] });
    assert.deepEqual(decode("30[]"), { type: ACK, nsp: "/", id: 0, data: [] });
  });

  test('`44{"message":"Invalid namespace"}` and connect_error with data / as a string', () => {
    assert.deepEqual(decode('4{"message":"Invalid namespace"}'), {
      type: CONNECT_ERROR,
      nsp: "/",
      data: { message: "Invalid namespace" },
    });
    assert.deepEqual(decode('4/random,{"message":"Invalid namespace"}'), {
      type: CONNECT_ERROR,
      nsp: "/random",
      data: { message: "Invalid namespace" },
    });
    assert.deepEqual(decode('4{"message":"nope","data":{"retry":false}}'), {
      type: CONNECT_ERROR,
      nsp: "/",
      data: { message: "nope", data: { retry: false } },
    });
    assert.deepEqual(decode('4"refused"'), { type: CONNECT_ERROR, nsp: "/", data: "refused" });
  });

  test("unicode payloads: astral characters and escaped lone surrogates", () => {
    assert.deepEqual(decode('2["é","🎉","\\ud800"]'), { type: EVENT, nsp: "/", data: ["é", "🎉", "\ud800"] });
  });

  // Regression: a packet with an id and no payload came out with an explicit `data: undefined` key.
  // Like the official decoder, an id is accepted on any packet type (the server ignores it where meaningless).
  test("an id on CONNECT is tolerated", () => {
    assert.deepEqual(decode("0/admin,1"), { type: CONNECT, nsp: "/admin", id: 1 });
  });

  test("a huge ack id of 15 digits is still a safe integer", () => {
    assert.deepEqual(decode('2999999999999999["a"]'), {
      type: EVENT,
      nsp: "/",
      id: 999999999999999,
      data: ["a"],
    });
  });

  test("a placeholder in a non-binary EVENT is plain data", () => {
    assert.deepEqual(decode('2["a",{"_placeholder":true,"num":0}]'), {
      type: EVENT,
      nsp: "/",
      data: ["a", { _placeholder: true, num: 0 }],
    });
  });
});

describe("binary packets (§B2)", () => {
  test('`51-["a",{"_placeholder":true,"num":0}]` + attachment → BINARY_EVENT with the bytes in place', () => {
    const decoder = new SocketDecoder();
    assert.equal(decoder.add('51-["a",{"_placeholder":true,"num":0}]'), null);
    assert.equal(decoder.awaitingAttachments, true);
    const bytes = new Uint8Array([1, 2, 3]);
    const packet = decoder.add(bytes);
    assert.deepEqual(packet, { type: BINARY_EVENT, nsp: "/", data: ["a", bytes] });
    assert.equal((packet!.data as unknown[])[1], bytes);
    assert.equal(decoder.awaitingAttachments, false);
  });

  test("a Buffer attachment stays the same Buffer", () => {
    const decoder = new SocketDecoder();
    decoder.add('51-["a",{"_placeholder":true,"num":0}]');
    const buf = Buffer.from([9]);
    const packet = decoder.add(buf);
    assert.equal((packet!.data as unknown[])[1], buf);
  });

  test("BINARY_ACK with namespace and id: `62-/admin,5[...]`", () => {
    const decoder = new SocketDecoder();
    assert.equal(
      decoder.add('62-/admin,5[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]'),
      null,
    );
    const a = new Uint8Array([0]);
    const b = new Uint8Array([1]);
    assert.equal(decoder.add(a), null);
    assert.deepEqual(decoder.add(b), { type: BINARY_ACK, nsp: "/admin", id: 5, data: [b, a] });
  });

  test("nested placeholders deep in arrays and objects are put back in order", () => {
    const decoder = new SocketDecoder();
    const header =
      '53-["deep",{"a":[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]},[[[{"_placeholder":true,"num":2}]]]]';
    assert.equal(decoder.add(header), null);
    const bufs = [new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([2])];
    assert.equal(decoder.add(bufs[0]!), null);
    assert.equal(decoder.add(bufs[1]!), null);
    assert.deepEqual(decoder.add(bufs[2]!), {
      type: BINARY_EVENT,
      nsp: "/",
      data: ["deep", { a: [bufs[0], { b: bufs[1] }] }, [[[bufs[2]]]]],
    });
  });

  test("the decoder is reusable after a binary packet and after reset()", () => {
    const decoder = new SocketDecoder();
    decoder.add('51-["a",{"_placeholder":true,"num":0}]');
    decoder.add(new Uint8Array(1));
    assert.deepEqual(decoder.add('2["b"]'), { type: EVENT, nsp: "/", data: ["b"] });
    decoder.add('51-["a",{"_placeholder":true,"num":0}]');
    decoder.reset();
    assert.equal(decoder.awaitingAttachments, false);
    assert.deepEqual(decoder.add('2["c"]'), { type: EVENT, nsp: "/", data: ["c"] });
  });

  // PROTOCOL.md §B2 allows a count ≥ 0; the official decoder refuses 0 (see differential.test.ts).
  test("`50-[...]` (zero attachments) completes at once", () => {
    assert.deepEqual(decode('50-["a"]'), { type: BINARY_EVENT, nsp: "/", data: ["a"] });
  });

  test(`up to maxAttachments (${DEFAULT_MAX_ATTACHMENTS}) is accepted`, () => {
    const decoder = new SocketDecoder();
    const args = Array.from({ length: 10 }, (_, n) => `{"_placeholder":true,"num":${n}}`).join(",");
    assert.equal(decoder.add(`510-["a",${args}]`), null);
    for (let n = 0; n < 9; n++) assert.equal(decoder.add(new Uint8Array([n])), null);
    const packet = decoder.add(new Uint8Array([9]));
    assert.equal((packet!.data as unknown[]).length, 11);
  });
});

describe("invalid packets (§B2: close the connection), with their exact codes", () => {
  const cases: [string, string][] = [
    // type digit not 0–6 (`4abc` at the engine level is `abc` here)
    ["abc", C.SIO_UNKNOWN_PACKET_TYPE],
    ["7", C.SIO_UNKNOWN_PACKET_TYPE],
    ["", C.SIO_UNKNOWN_PACKET_TYPE],
    ["/", C.SIO_UNKNOWN_PACKET_TYPE],
    // payload shapes
    ["2{}", C.SIO_INVALID_PAYLOAD],
    ["2[]", C.SIO_INVALID_PAYLOAD],
    ["2", C.SIO_INVALID_PAYLOAD],
    ["2/admin,", C.SIO_INVALID_PAYLOAD],
    ['2"foo"', C.SIO_INVALID_PAYLOAD],
    ["2[null]", C.SIO_INVALID_PAYLOAD],
    ["2[{}]", C.SIO_INVALID_PAYLOAD],
    ["212", C.SIO_INVALID_PAYLOAD],
    ["3", C.SIO_INVALID_PAYLOAD],
    ["31", C.SIO_INVALID_PAYLOAD],
    ["3{}", C.SIO_INVALID_PAYLOAD],
    ['3"a"', C.SIO_INVALID_PAYLOAD],
    ["0[]", C.SIO_INVALID_PAYLOAD],
    ['0"a"', C.SIO_INVALID_PAYLOAD],
    ["0null", C.SIO_INVALID_PAYLOAD],
    ["1{}", C.SIO_INVALID_PAYLOAD],
    ['1["a"]', C.SIO_INVALID_PAYLOAD],
    // Regression: CONNECT_ERROR without payload was accepted although §B2 requires a string or an object.
    ["4", C.SIO_INVALID_PAYLOAD],
    ["4[]", C.SIO_INVALID_PAYLOAD],
    ["41", C.SIO_INVALID_PAYLOAD],
    ['51-{"a":1}', C.SIO_INVALID_PAYLOAD],
    ["51-", C.SIO_INVALID_PAYLOAD],
    ["61-", C.SIO_INVALID_PAYLOAD],
    // invalid JSON
    ['2abc["foo"]', C.SIO_INVALID_JSON],
    ['2["foo"', C.SIO_INVALID_JSON],
    ['2["foo"]x', C.SIO_INVALID_JSON],
    ["0{", C.SIO_INVALID_JSON],
    // illegal attachments
    ["5-", C.SIO_ILLEGAL_ATTACHMENTS],
    ['5-["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ["5a-", C.SIO_ILLEGAL_ATTACHMENTS],
    ['5a-["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ['51["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ["51", C.SIO_ILLEGAL_ATTACHMENTS],
    ["5", C.SIO_ILLEGAL_ATTACHMENTS],
    ['5/admin,["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ['51.5-["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ['5-1-["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ['51234567-["a"]', C.SIO_ILLEGAL_ATTACHMENTS],
    ["6", C.SIO_ILLEGAL_ATTACHMENTS],
    ["6x-[]", C.SIO_ILLEGAL_ATTACHMENTS],
    // more than maxAttachments
    ['511-["a"]', C.SIO_TOO_MANY_ATTACHMENTS],
    ["6999999-[]", C.SIO_TOO_MANY_ATTACHMENTS],
    // huge ack ids
    ['21234567890123456["a"]', C.SIO_INVALID_ACK_ID],
    [`2${"9".repeat(400)}["a"]`, C.SIO_INVALID_ACK_ID],
    ["3/admin,99999999999999999[]", C.SIO_INVALID_ACK_ID],
    // placeholder num out of range in a binary packet that needs no attachment
    ['50-["a",{"_placeholder":true,"num":0}]', C.SIO_INVALID_PLACEHOLDER],
  ];
  for (const [input, code] of cases) {
    test(`${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} → ${code}`, () => {
      assertCode(() => decode(input), code);
    });
  }

  for (const name of RESERVED_EVENTS) {
    test(`reserved event name "${name}" → ERR_SIO_RESERVED_EVENT (EVENT and BINARY_EVENT)`, () => {
      assertCode(() => decode(`2["${name}"]`), C.SIO_RESERVED_EVENT);
      assertCode(() => decode(`2/admin,1["${name}",1]`), C.SIO_RESERVED_EVENT);
      assertCode(() => decode(`51-["${name}",{"_placeholder":true,"num":0}]`), C.SIO_RESERVED_EVENT);
    });
  }

  test("the reserved names are exactly those of §B2", () => {
    assert.deepEqual(
      [...RESERVED_EVENTS].sort(),
      ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"].sort(),
    );
    // Reserved only as the event name, not as an argument.
    assert.deepEqual(decode('2["x","disconnect"]'), { type: EVENT, nsp: "/", data: ["x", "disconnect"] });
  });

  test("a limit lower than the default applies", () => {
    const decoder = new SocketDecoder({ maxAttachments: 2 });
    assertCode(() => decoder.add('53-["a"]'), C.SIO_TOO_MANY_ATTACHMENTS);
  });

  test("binary frame without a pending header → ERR_SIO_UNEXPECTED_BINARY", () => {
    assertCode(() => new SocketDecoder().add(new Uint8Array([1])), C.SIO_UNEXPECTED_BINARY);
    const decoder = new SocketDecoder();
    decoder.add('51-["a",{"_placeholder":true,"num":0}]');
    decoder.add(new Uint8Array(1));
    assertCode(() => decoder.add(new Uint8Array(1)), C.SIO_UNEXPECTED_BINARY);
  });

  test("text while attachments are pending → ERR_SIO_UNEXPECTED_TEXT, and the partial packet is dropped", () => {
    const decoder = new SocketDecoder();
    decoder.add('52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    decoder.add(new Uint8Array(1));
    assertCode(() => decoder.add('2["b"]'), C.SIO_UNEXPECTED_TEXT);
    assert.equal(decoder.awaitingAttachments, false);
    assertCode(() => decoder.add(new Uint8Array(1)), C.SIO_UNEXPECTED_BINARY);
  });

  test("placeholder num out of range, negative, fractional or not a number → ERR_SIO_INVALID_PLACEHOLDER", () => {
    for (const num of ["1", "-1", "0.5", '"0"', "null"]) {
      const decoder = new SocketDecoder();
      assert.equal(decoder.add(`51-["a",{"_placeholder":true,"num":${num}}]`), null);
      assertCode(() => decoder.add(new Uint8Array(1)), C.SIO_INVALID_PLACEHOLDER);
      assert.equal(decoder.awaitingAttachments, false);
    }
  });

  test("deep JSON (100k nested arrays) → ERR_SIO_INVALID_PAYLOAD, not a RangeError", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    assertCode(() => decode(`2["a",${deep}]`), C.SIO_INVALID_PAYLOAD);
    assertCode(() => decode(`3${deep}`), C.SIO_INVALID_PAYLOAD);
    assertCode(() => decode(`0{"a":${'{"a":'.repeat(50_000)}1${"}".repeat(50_001)}`), C.SIO_INVALID_PAYLOAD);
    const decoder = new SocketDecoder();
    assert.equal(decoder.add(`51-["a",{"_placeholder":true,"num":0},${deep}]`), null);
    assertCode(() => decoder.add(new Uint8Array(1)), C.SIO_INVALID_PAYLOAD);
    assertCode(() => decode(`50-["a",${deep}]`), C.SIO_INVALID_PAYLOAD);
  });

  // Regression: with a large maxDepth the reconstruct walk overflowed the stack first (RangeError escaped).
  test("a maxDepth too large for the stack still yields ERR_SIO_INVALID_PAYLOAD", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const decoder = new SocketDecoder({ maxDepth: 1_000_000 });
    assert.equal(decoder.add(`51-["a",{"_placeholder":true,"num":0},${deep}]`), null);
    assertCode(() => decoder.add(new Uint8Array(1)), C.SIO_INVALID_PAYLOAD);
  });

  test("nesting up to maxDepth is accepted, one more level is refused", () => {
    const decoder = new SocketDecoder({ maxDepth: 10 });
    // The root array is depth 0: ["a", [[...]]] with 10 nested arrays inside reaches depth 10.
    const ok = `2["a",${"[".repeat(10)}${"]".repeat(10)}]`;
    const tooDeep = `2["a",${"[".repeat(11)}${"]".repeat(11)}]`;
    assert.equal(decoder.add(ok)?.type, EVENT);
    assertCode(() => decoder.add(tooDeep), C.SIO_INVALID_PAYLOAD);
    // Long but flat payloads pass the walk.
    assert.equal(decoder.add(`2["a",${"[1],".repeat(1000)}1]`)?.type, EVENT);
  });

  test("every error code is a distinct ERR_ string", () => {
    const codes = Object.values(ProtocolErrorCodes);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, /^ERR_(EIO|SIO)_[A-Z0-9_]+$/);
  });
});
