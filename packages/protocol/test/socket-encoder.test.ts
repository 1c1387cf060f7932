// Socket.IO v5 encoder, exact wire (PROTOCOL.md §B1–B2).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeSocketPacket, hasBinary, type SocketPacket, SocketPacketType } from "@plexus/protocol";

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } = SocketPacketType;

function text(packet: SocketPacket): string {
  const [header, ...rest] = encodeSocketPacket(packet);
  assert.equal(rest.length, 0, "no attachments expected");
  return header;
}

function bytesOf(value: unknown): number[] {
  assert.ok(value instanceof Uint8Array, "attachment is a Uint8Array");
  return [...value];
}

describe("packet types 0–6 (§B1)", () => {
  test("type ids", () => {
    assert.deepEqual(SocketPacketType, {
      CONNECT: 0,
      DISCONNECT: 1,
      EVENT: 2,
      ACK: 3,
      CONNECT_ERROR: 4,
      BINARY_EVENT: 5,
      BINARY_ACK: 6,
    });
  });

  test('CONNECT to / is `0`; with auth `0{...}`; reply `0{"sid":...}`', () => {
    assert.equal(text({ type: CONNECT, nsp: "/" }), "0");
    assert.equal(text({ type: CONNECT, nsp: "/", data: { token: "abc" } }), '0{"token":"abc"}');
    assert.equal(text({ type: CONNECT, nsp: "/", data: { sid: "xyz" } }), '0{"sid":"xyz"}');
  });

  test("the server always writes the namespace comma: `0/admin,`", () => {
    assert.equal(text({ type: CONNECT, nsp: "/admin" }), "0/admin,");
    assert.equal(text({ type: CONNECT, nsp: "/admin", data: { sid: "s" } }), '0/admin,{"sid":"s"}');
  });

  test("DISCONNECT: `1`, `1/custom,`", () => {
    assert.equal(text({ type: DISCONNECT, nsp: "/" }), "1");
    assert.equal(text({ type: DISCONNECT, nsp: "/custom" }), "1/custom,");
  });

  test('EVENT: `2["foo"]`, with ack id `212["foo"]`, on a namespace', () => {
    assert.equal(text({ type: EVENT, nsp: "/", data: ["foo"] }), '2["foo"]');
    assert.equal(text({ type: EVENT, nsp: "/", id: 12, data: ["foo"] }), '212["foo"]');
    assert.equal(
      text({ type: EVENT, nsp: "/admin", id: 0, data: ["question", 1] }),
      '2/admin,0["question",1]',
    );
    assert.equal(text({ type: EVENT, nsp: "", data: ["foo"] }), '2["foo"]');
  });

  test('ACK: `3/admin,13["bar"]`', () => {
    assert.equal(text({ type: ACK, nsp: "/admin", id: 13, data: ["bar"] }), '3/admin,13["bar"]');
    assert.equal(text({ type: ACK, nsp: "/", id: 456, data: [] }), "3456[]");
  });

  test('CONNECT_ERROR: `4{"message":"Invalid namespace"}` and with data', () => {
    assert.equal(
      text({ type: CONNECT_ERROR, nsp: "/", data: { message: "Invalid namespace" } }),
      '4{"message":"Invalid namespace"}',
    );
    assert.equal(
      text({ type: CONNECT_ERROR, nsp: "/random", data: { message: "Invalid namespace" } }),
      '4/random,{"message":"Invalid namespace"}',
    );
    assert.equal(
      text({
        type: CONNECT_ERROR,
        nsp: "/",
        data: { message: "not authorized", data: { content: "retry later" } },
      }),
      '4{"message":"not authorized","data":{"content":"retry later"}}',
    );
  });
});

describe("binary attachments (§B2)", () => {
  test('`51-["a",{"_placeholder":true,"num":0}]` + the attachment', () => {
    const [header, ...attachments] = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["a", Buffer.from([1, 2])],
    });
    assert.equal(header, '51-["a",{"_placeholder":true,"num":0}]');
    assert.equal(attachments.length, 1);
    assert.deepEqual(bytesOf(attachments[0]), [1, 2]);
  });

  test("a Buffer attachment is handed on as the same object", () => {
    const buf = Buffer.from([7]);
    const [, attachment] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["a", buf] });
    assert.equal(attachment, buf);
  });

  test("BINARY_ACK with namespace and id: `61-/admin,3[...]`", () => {
    const [header, a] = encodeSocketPacket({ type: ACK, nsp: "/admin", id: 3, data: [new Uint8Array([1])] });
    assert.equal(header, '61-/admin,3[{"_placeholder":true,"num":0}]');
    assert.deepEqual(bytesOf(a), [1]);
  });

  test("nested attachments deep in arrays and objects are numbered depth-first in argument order", () => {
    const data = [
      "deep",
      { a: [new Uint8Array([0]), { b: new Uint8Array([1]) }], c: new Uint8Array([2]) },
      [[[new Uint8Array([3])]]],
      new Uint8Array([4]),
    ];
    const [header, ...attachments] = encodeSocketPacket({ type: EVENT, nsp: "/", data });
    assert.equal(
      header,
      '55-["deep",{"a":[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}],' +
        '"c":{"_placeholder":true,"num":2}},[[[{"_placeholder":true,"num":3}]]],{"_placeholder":true,"num":4}]',
    );
    assert.deepEqual(
      attachments.map((a) => bytesOf(a)),
      [[0], [1], [2], [3], [4]],
    );
  });

  test("ArrayBuffer and typed arrays become their bytes (Int16Array, DataView, sub-views)", () => {
    const int16 = new Int16Array([1, -2]);
    const backing = new Uint8Array([9, 5, 6, 9]);
    const data = [
      "t",
      new Uint8Array([1, 2]).buffer,
      int16,
      new DataView(backing.buffer, 1, 2),
      backing.subarray(1, 3),
    ];
    const [header, ...attachments] = encodeSocketPacket({ type: EVENT, nsp: "/", data });
    assert.match(header, /^54-\["t",/);
    assert.equal(attachments.length, 4);
    assert.deepEqual(bytesOf(attachments[0]), [1, 2]);
    assert.deepEqual(bytesOf(attachments[1]), [...new Uint8Array(int16.buffer)]);
    assert.deepEqual(bytesOf(attachments[2]), [5, 6]);
    assert.deepEqual(bytesOf(attachments[3]), [5, 6]);
  });

  test("Blob attachments are handed on for the transport to read", () => {
    const blob = new Blob([new Uint8Array([1])]);
    const [header, attachment] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["b", blob] });
    assert.equal(header, '51-["b",{"_placeholder":true,"num":0}]');
    assert.equal(attachment, blob);
  });

  test("the input data is not modified", () => {
    const data = ["a", { x: new Uint8Array([1]) }];
    encodeSocketPacket({ type: EVENT, nsp: "/", data });
    assert.ok((data[1] as { x: unknown }).x instanceof Uint8Array);
  });

  test("binary found through toJSON, as JSON.stringify would see it", () => {
    const wrapped = { toJSON: () => ({ payload: new Uint8Array([3]) }) };
    const [header, a] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["w", wrapped] });
    assert.equal(header, '51-["w",{"payload":{"_placeholder":true,"num":0}}]');
    assert.deepEqual(bytesOf(a), [3]);
  });

  // Regression: toJSON returning `this` used to recurse until the depth cap and miss the binary.
  test("toJSON is applied once per value, like JSON.stringify", () => {
    const self = {
      bin: new Uint8Array([1]),
      toJSON() {
        return this;
      },
    };
    assert.equal(hasBinary(self), true);
    const [header, a] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["s", self] });
    assert.match(header, /^51-\["s",\{"bin":\{"_placeholder":true,"num":0\}/);
    assert.deepEqual(bytesOf(a), [1]);
  });

  // Regression: the placeholder copy was a plain `{}`, so an own `__proto__` key (JSON.parse makes them)
  // went through the prototype setter and disappeared from the encoded text.
  test("an own `__proto__` key survives binary deconstruction", () => {
    const data = JSON.parse('["relay",{"__proto__":{"x":1},"y":2}]') as unknown[];
    (data[1] as Record<string, unknown>).bin = new Uint8Array([1]);
    const [header] = encodeSocketPacket({ type: EVENT, nsp: "/", data });
    assert.equal(header, '51-["relay",{"__proto__":{"x":1},"y":2,"bin":{"_placeholder":true,"num":0}}]');
  });

  // Regression: an explicit BINARY_EVENT without binary was written as `50-[...]`, which the official
  // decoder refuses ("Illegal attachments").
  test("BINARY_EVENT / BINARY_ACK without binary are written as EVENT / ACK", () => {
    assert.deepEqual(encodeSocketPacket({ type: BINARY_EVENT, nsp: "/", data: ["a"] }), ['2["a"]']);
    assert.deepEqual(encodeSocketPacket({ type: BINARY_ACK, nsp: "/", id: 1, data: [] }), ["31[]"]);
  });

  test("explicit BINARY_EVENT with binary", () => {
    const [header] = encodeSocketPacket({ type: BINARY_EVENT, nsp: "/x", data: ["a", new Uint8Array(1)] });
    assert.equal(header, '51-/x,["a",{"_placeholder":true,"num":0}]');
  });
});

describe("JSON serialisation (§B2 sending)", () => {
  test("Dates become ISO strings, undefined in arrays becomes null, undefined properties are dropped", () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    assert.equal(
      text({ type: EVENT, nsp: "/", data: ["d", date, undefined, { u: undefined, v: 1 }] }),
      '2["d","2024-01-02T03:04:05.006Z",null,{"v":1}]',
    );
  });

  test("Dates next to binary are still ISO strings", () => {
    const date = new Date(0);
    const [header] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["d", date, new Uint8Array(1)] });
    assert.equal(header, '51-["d","1970-01-01T00:00:00.000Z",{"_placeholder":true,"num":0}]');
  });

  test("unicode (astral, lone surrogates) is written as JSON.stringify does", () => {
    assert.equal(text({ type: EVENT, nsp: "/", data: ["u", "é🎉\ud800"] }), '2["u","é🎉\\ud800"]');
  });

  // Regression: data that JSON.stringify maps to undefined (a function) used to append the text "undefined".
  test("data JSON cannot represent is left out instead of writing `undefined`", () => {
    assert.equal(text({ type: CONNECT, nsp: "/", data: () => 1 }), "0");
  });
});

describe("hasBinary", () => {
  test("finds binary at any depth and nothing in plain data", () => {
    assert.equal(hasBinary(["a", { b: [1, { c: new Uint8Array(0) }] }]), true);
    assert.equal(hasBinary(new ArrayBuffer(1)), true);
    assert.equal(hasBinary(new Float64Array(1)), true);
    assert.equal(hasBinary(["a", { b: [1, { c: "x" }] }, null, new Date()]), false);
    assert.equal(hasBinary(null), false);
    assert.equal(hasBinary("text"), false);
  });

  test("circular data does not hang or throw", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.equal(hasBinary(loop), false);
  });
});
