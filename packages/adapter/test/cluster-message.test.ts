/**
 * The checks that turn whatever a broker delivered into cluster messages: any value at all yields a
 * message or undefined, never an exception; the classic adapter's shapes are accepted as they are.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseBroadcast, parseRequest, parseResponse, parseSocketDetails } from "../src/cluster-message.js";

test("any value: a message or undefined, never a throw", () => {
  fc.assert(
    fc.property(
      fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withTypedArray: true }),
      (v) => {
        parseBroadcast(v);
        parseRequest(v);
        parseResponse(v);
        parseSocketDetails(v);
      },
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.string(), fc.anything(), fc.anything(), (uid, packet, opts) => {
      parseBroadcast([uid, packet, opts]);
      parseRequest({ uid, type: 5, requestId: "r", opts, packet, data: packet });
    }),
    { numRuns: 2000 },
  );
});

test("classic shapes: a broadcast array, a request, numeric rooms, a uid-less emitter request", () => {
  assert.deepEqual(
    parseBroadcast(["abc", { type: 2, data: ["ev", 1], nsp: "/" }, { rooms: ["r", 4], except: [] }]),
    {
      uid: "abc",
      packet: { type: 2, nsp: "/", data: ["ev", 1] },
      opts: { rooms: ["r", "4"], except: [] },
    },
  );
  assert.equal(parseBroadcast(["abc", { type: 0, data: ["ev"] }, { rooms: [] }]), undefined);
  assert.equal(parseBroadcast(["abc", { type: 2, data: [1] }, { rooms: [] }]), undefined);
  assert.equal(parseRequest({ uid: "x", type: 42 }), undefined);
  assert.deepEqual(parseRequest({ type: 2, opts: { rooms: [], except: [] }, rooms: ["r"] }), {
    uid: "",
    type: 2,
    opts: { rooms: [], except: [] },
    rooms: ["r"],
  });
  assert.equal(parseResponse({ requestId: 5 }), undefined);
  assert.equal(parseResponse({ requestId: "r", clientCount: -1 }), undefined);
});
