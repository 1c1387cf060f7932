// The Engine.IO v4 handshake record (PROTOCOL.md §A2): exactly these keys, in the reference order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeHandshake, encodeEnginePacket, encodeHandshake } from "@plexus/protocol";

const EXAMPLE =
  '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';

test("the open packet of the spec example, byte for byte", () => {
  const data = encodeHandshake({
    sid: "lv_VI97HAXpY6yYWAAAC",
    upgrades: ["websocket"],
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1e6,
  });
  assert.equal(encodeEnginePacket({ type: "open", data }), EXAMPLE);
});

test("keys are exactly sid, upgrades, pingInterval, pingTimeout, maxPayload, in that order", () => {
  const extra = { sid: "x", upgrades: [], pingInterval: 1, pingTimeout: 2, maxPayload: 3, cookie: "no" };
  const text = encodeHandshake(extra);
  assert.deepEqual(Object.keys(JSON.parse(text)), [
    "sid",
    "upgrades",
    "pingInterval",
    "pingTimeout",
    "maxPayload",
  ]);
  assert.equal(text, '{"sid":"x","upgrades":[],"pingInterval":1,"pingTimeout":2,"maxPayload":3}');
});

test("websocket handshake: upgrades is []", () => {
  const text = encodeHandshake({
    sid: "s",
    upgrades: [],
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1e6,
  });
  assert.match(text, /"upgrades":\[\]/);
});

test("decode of the spec example", () => {
  assert.deepEqual(decodeHandshake(EXAMPLE.slice(1)), {
    sid: "lv_VI97HAXpY6yYWAAAC",
    upgrades: ["websocket"],
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1000000,
  });
});

test("decode refuses records that are not a handshake", () => {
  for (const bad of [
    "",
    "null",
    "[]",
    "{",
    '{"sid":1}',
    '{"sid":"a","upgrades":"websocket","pingInterval":1,"pingTimeout":1}',
  ]) {
    assert.equal(decodeHandshake(bad), null, bad);
  }
});
