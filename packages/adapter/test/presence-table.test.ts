/**
 * The presence table (presence-table.ts) with literals: entries per node, diffs to the room's listener,
 * snapshots replacing a node's entries, dropping a node; and the checks of presence messages from other
 * nodes (presence-message.ts) against random and mutated input (fast-check, fixed seed).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type PresenceDiff, type PresenceEntry, PresenceTable } from "@plexus/adapter";
import fc from "fast-check";
import { parsePresenceDiff, parsePresenceSnapshot } from "../src/presence-message.js";

const entry = (key: string, ref: string, fields: Record<string, unknown> = {}): PresenceEntry => ({
  key,
  meta: { ...fields, presence_ref: ref },
});

/** "+key/ref" and "-key/ref" per change, in order. */
function watch(table: PresenceTable, room: string): string[] {
  const log: string[] = [];
  table.listen(room, (diff: PresenceDiff) => {
    for (const key of Object.keys(diff.joins))
      for (const m of diff.joins[key]!) log.push(`+${key}/${m.presence_ref}`);
    for (const key of Object.keys(diff.leaves))
      for (const m of diff.leaves[key]!) log.push(`-${key}/${m.presence_ref}`);
  });
  return log;
}

test("local entries: tracked, listed by key, untracked; replicated through onLocalChange", () => {
  const table = new PresenceTable("me");
  const log = watch(table, "lobby");
  const replicated: string[] = [];
  table.onLocalChange = (room, joins, leaves) =>
    replicated.push(`${room} +${joins.length} -${leaves.length}`);
  table.trackLocal("lobby", entry("u1", "a", { tab: 1 }));
  table.trackLocal("lobby", entry("u1", "b", { tab: 2 }));
  table.trackLocal("lobby", entry("u1", "a"));
  assert.deepEqual(table.list("lobby"), {
    u1: [
      { tab: 1, presence_ref: "a" },
      { tab: 2, presence_ref: "b" },
    ],
  });
  assert.equal(table.metaCount("lobby", "u1"), 2);
  assert.deepEqual(table.untrackLocal("lobby", "a"), entry("u1", "a", { tab: 1 }));
  assert.equal(table.untrackLocal("lobby", "a"), undefined);
  assert.deepEqual(log, ["+u1/a", "+u1/b", "-u1/a"]);
  assert.deepEqual(replicated, ["lobby +1 -0", "lobby +1 -0", "lobby +0 -1"]);
  assert.equal(table.size, 1);
});

test("a node changes only its own entries; a snapshot replaces them; a dropped node leaves", () => {
  const table = new PresenceTable("me");
  const log = watch(table, "lobby");
  table.trackLocal("lobby", entry("mine", "m"));
  table.apply("lobby", "n1", [entry("u1", "x"), entry("u2", "y")], []);
  assert.equal(table.apply("lobby", "n2", [entry("u9", "x")], ["m", "y"]), false, "n2 owns none of these");
  assert.equal(table.untrackLocal("lobby", "x"), undefined, "not ours");
  table.replaceNode(
    "n1",
    new Map([
      ["lobby", [entry("u2", "y"), entry("u3", "z")]],
      ["other", [entry("u4", "w")]],
    ]),
  );
  assert.deepEqual(Object.keys(table.list("lobby")), ["mine", "u2", "u3"]);
  assert.deepEqual(Object.keys(table.list("other")), ["u4"]);
  assert.deepEqual(table.remoteNodes(), ["n1"]);
  assert.deepEqual([...table.localEntries()], [["lobby", [entry("mine", "m")]]]);
  table.dropNode("n1");
  assert.deepEqual(table.list("lobby"), { mine: [{ presence_ref: "m" }] });
  assert.deepEqual(table.list("other"), {});
  assert.deepEqual(table.remoteNodes(), []);
  assert.deepEqual(log, ["+mine/m", "+u1/x", "+u2/y", "+u3/z", "-u1/x", "-u2/y", "-u3/z"]);
});

test("a key named __proto__ is an own key of lists and diffs", () => {
  const table = new PresenceTable();
  let diff: PresenceDiff | undefined;
  table.listen("lobby", (d) => {
    diff = d;
  });
  table.trackLocal("lobby", entry("__proto__", "p"));
  assert.ok(Object.hasOwn(table.list("lobby"), "__proto__"));
  assert.ok(diff !== undefined && Object.hasOwn(diff.joins, "__proto__"));
  assert.equal(Object.getPrototypeOf(table.list("lobby")), Object.prototype);
});

test("presence messages: well-formed ones parse", () => {
  assert.deepEqual(
    parsePresenceDiff({ room: "r", joins: [["k", { presence_ref: "a", x: 1 }]], leaves: ["b"] }),
    {
      room: "r",
      joins: [entry("k", "a", { x: 1 })],
      leaves: ["b"],
    },
  );
  assert.deepEqual(parsePresenceDiff({ room: "r" }), { room: "r", joins: [], leaves: [] });
  assert.deepEqual(parsePresenceSnapshot({ to: "n", ask: true, seq: 0, last: true, rooms: [["r", []]] }), {
    to: "n",
    ask: true,
    seq: 0,
    last: true,
    rooms: [["r", []]],
  });
});

test("presence messages: random and mutated values are rejected or parsed, never thrown", () => {
  const valid = {
    room: "lobby",
    joins: [["k", { presence_ref: "r", name: "n" }]],
    leaves: ["x"],
  };
  const snapshot = { to: "node", ask: false, seq: 1, last: true, rooms: [["lobby", valid.joins]] };
  const check = (value: unknown): void => {
    const diff = parsePresenceDiff(value);
    if (diff !== undefined) {
      assert.equal(typeof diff.room, "string");
      for (const e of diff.joins) assert.equal(typeof e.meta.presence_ref, "string");
      for (const ref of diff.leaves) assert.equal(typeof ref, "string");
    }
    const part = parsePresenceSnapshot(value);
    if (part !== undefined) {
      assert.ok(Number.isInteger(part.seq) && part.seq >= 0);
      for (const [room, entries] of part.rooms) {
        assert.equal(typeof room, "string");
        for (const e of entries) assert.equal(typeof e.key, "string");
      }
    }
  };
  fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 1000, seed: 14 });
  fc.assert(fc.property(fc.anything(), check), { numRuns: 1000, seed: 15 });
  // Mutations of a valid message: one field replaced by anything.
  const field = fc.constantFrom("room", "joins", "leaves", "to", "ask", "seq", "last", "rooms");
  fc.assert(
    fc.property(field, fc.anything(), (name, value) => {
      check({ ...valid, [name]: value });
      check({ ...snapshot, [name]: value });
      check({ ...valid, joins: [["k", { presence_ref: "r", [name]: value }]] });
      check({ ...snapshot, rooms: [["lobby", [[name, value]]]] });
    }),
    { numRuns: 1000, seed: 16 },
  );
});
