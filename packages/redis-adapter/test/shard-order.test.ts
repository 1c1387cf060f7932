/**
 * Sharded messages on a Redis Cluster: `[kind, message, sender, seq]` is decoded (and malformed order
 * fields are refused), and `ShardOrder` hands one turn's messages on in each sender's sequence order.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import notepack from "notepack.io";
import { decodeShardedMessage, defaultParser, type ShardedMessage } from "../src/redis-codec.js";
import { ShardOrder } from "../src/shard-order.js";

test("order fields: decoded when well-formed, the message refused otherwise", () => {
  const decode = (value: unknown) => decodeShardedMessage(notepack.encode(value) as Buffer, defaultParser);
  assert.deepEqual(decode([1, { a: 1 }]), { kind: "request", message: { a: 1 } });
  assert.deepEqual(decode([0, ["u"], "node", 7]), {
    kind: "broadcast",
    message: ["u"],
    sender: "node",
    seq: 7,
  });
  for (const bad of [
    [0, {}, "node"],
    [0, {}, 5, 7],
    [0, {}, "node", 1.5],
    [0, {}, "node", "7"],
    [3, {}],
    [0],
  ]) {
    assert.equal(decode(bad), undefined, JSON.stringify(bad));
  }
});

test("one turn's messages: each sender's in sequence order, in the slots its messages held", async () => {
  const out: string[] = [];
  const order = new ShardOrder((m) => out.push(String(m.message)));
  const msg = (message: string, sender?: string, seq?: number): ShardedMessage =>
    sender === undefined ? { kind: "broadcast", message } : { kind: "broadcast", message, sender, seq: seq! };
  order.push(msg("plain-first"));
  assert.deepEqual(out, ["plain-first"], "nothing held: delivered at once");
  order.push(msg("a3", "a", 3));
  order.push(msg("b1", "b", 1));
  order.push(msg("a1", "a", 1));
  order.push(msg("plain"));
  order.push(msg("a2", "a", 2));
  assert.deepEqual(out, ["plain-first"], "held until the check phase");
  await nextTurn();
  assert.deepEqual(out, ["plain-first", "a1", "b1", "a2", "plain", "a3"]);
});
