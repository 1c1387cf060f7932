/**
 * The recovery session store: expiry by maxDisconnectionDuration, size bounds, offsets.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionStore } from "@plexus/adapter";

const NONE = new Set<string>();

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test("a session expires after maxDisconnectionDuration", () => {
  const c = clock();
  const store = new SessionStore({ maxDisconnectionDuration: 1000, now: c.now });
  const offset = store.append(["e"], NONE, undefined);
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: null });
  c.advance(1001);
  assert.equal(store.restore("p", offset), null);
  assert.equal(store.sessionCount, 0);
});

test("within the duration, missed packets after the offset come back in order", () => {
  const c = clock();
  const store = new SessionStore({ maxDisconnectionDuration: 1000, now: c.now });
  const offset = store.append(["before"], NONE, undefined);
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: null });
  store.append(["one"], NONE, undefined);
  c.advance(500);
  store.append(["two"], new Set(["s"]), undefined);
  const session = store.restore("p", offset);
  assert.deepEqual(
    session?.missedPackets.map((d) => d[0]),
    ["one", "two"],
  );
});

test("an offset that left the log (expired or trimmed) gives no session", () => {
  const c = clock();
  const store = new SessionStore({ maxDisconnectionDuration: 1000, maxPackets: 3, now: c.now });
  const offset = store.append(["old"], NONE, undefined);
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: null });
  for (let i = 0; i < 5; i++) store.append([i], NONE, undefined);
  // Trimming is amortised (at most twice the bound is held), but an offset beyond the bound is gone.
  assert.ok(store.packetCount <= 6);
  assert.equal(store.restore("p", offset), null);
  for (let i = 0; i < 20; i++) store.append([i], NONE, undefined);
  assert.ok(store.packetCount <= 6);
});

test("sessions are bounded: the oldest goes first", () => {
  const store = new SessionStore({ maxDisconnectionDuration: 1000, maxSessions: 2 });
  const offset = store.append(["x"], NONE, undefined);
  for (const pid of ["a", "b", "c"]) store.persist({ sid: pid, pid, rooms: [], data: null });
  assert.equal(store.sessionCount, 2);
  assert.equal(store.restore("a", offset), null);
  assert.notEqual(store.restore("c", offset), null);
});

test("foreign or malformed offsets are refused", () => {
  const store = new SessionStore({ maxDisconnectionDuration: 1000 });
  store.append(["x"], NONE, undefined);
  store.persist({ sid: "s", pid: "p", rooms: [], data: null });
  assert.equal(store.restore("p", "zzzzzzzzzzzzzzzz"), null);
});

test("expired packets are not replayed even before they are trimmed", () => {
  const c = clock();
  const store = new SessionStore({ maxDisconnectionDuration: 1000, now: c.now });
  const offset = store.append(["seen"], NONE, undefined);
  store.append(["old"], NONE, undefined);
  c.advance(900);
  store.persist({ sid: "s", pid: "p", rooms: ["s"], data: null });
  for (let i = 0; i < 5; i++) store.append(["fresh"], NONE, undefined);
  c.advance(200);
  // "seen" and "old" are stale but, being few, not trimmed yet: the offset is still known.
  const session = store.restore("p", offset);
  assert.deepEqual(
    session?.missedPackets.map((d) => d[0]),
    ["fresh", "fresh", "fresh", "fresh", "fresh"],
  );
});
