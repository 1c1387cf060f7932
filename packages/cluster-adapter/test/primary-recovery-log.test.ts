/**
 * The primary's recovery log on its own (primary-recovery-log.ts): ids and deliveries in order, epochs per
 * log and per primary, bounded pages, trimming by `maxPackets`, age and bytes (visible as `maxDeleted`),
 * sessions with time to live, take-once, and the session cap.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SOURCE } from "../src/ipc-wire.js";
import { PrimaryRecoveryLog } from "../src/primary-recovery-log.js";
import type { LogRequest } from "../src/recovery-wire.js";

class FakeWorker {
  readonly got: Array<Record<string, unknown>> = [];
  connected = true;
  isConnected(): boolean {
    return this.connected;
  }
  send(message: unknown): void {
    this.got.push(message as Record<string, unknown>);
  }
  replies(): unknown[] {
    return this.got.filter((m) => "req" in m).map((m) => m.reply);
  }
  entries(): unknown[] {
    return this.got.filter((m) => "entry" in m).map((m) => m.entry);
  }
}

function req(fields: Partial<LogRequest> & { op: LogRequest["op"] }, log = "/"): LogRequest {
  return { source: SOURCE, log, req: 0, ...fields } as LogRequest;
}

function setup(limits = {}) {
  let now = 1000;
  const log = new PrimaryRecoveryLog(limits, () => now);
  const a = new FakeWorker();
  const b = new FakeWorker();
  const workers = [a, b];
  const ask = (from: FakeWorker, fields: Partial<LogRequest> & { op: LogRequest["op"] }, nsp = "/") => {
    log.handle(from, req({ req: 1, ...fields }, nsp), workers);
    return from.replies().at(-1);
  };
  const append = (data: string, count = 100, ms = 60_000, nsp = "/") =>
    log.handle(a, req({ op: "append", data, count, ms }, nsp), workers);
  return { log, a, b, ask, append, tick: (ms: number) => (now += ms) };
}

test("appends get 1, 2, 3… and reach every worker in order with the id before them", () => {
  const { a, b, ask, append } = setup();
  const [epoch, last, maxDeleted] = ask(a, { op: "state" }) as string[];
  assert.equal(last, "0");
  assert.equal(maxDeleted, "0");
  append("AA==");
  append("AQ==");
  append("Ag==");
  const expected = [
    [epoch, "0", "1", "AA=="],
    [epoch, "1", "2", "AQ=="],
    [epoch, "2", "3", "Ag=="],
  ];
  assert.deepEqual(a.entries(), expected);
  assert.deepEqual(b.entries(), expected);
  assert.deepEqual(ask(b, { op: "state" }), [epoch, "3", "0"]);
});

test("each namespace has its own log and epoch; a new primary has new epochs", () => {
  const first = setup();
  const second = setup();
  const e1 = (first.ask(first.a, { op: "state" }) as string[])[0];
  const e2 = (first.ask(first.a, { op: "state" }, "/chat") as string[])[0];
  const e3 = (second.ask(second.a, { op: "state" }) as string[])[0];
  assert.match(e1!, /^[A-Za-z0-9_-]{8}$/);
  assert.notEqual(e1, e2);
  assert.notEqual(e1, e3);
  first.append("AA==", 100, 60_000, "/chat");
  assert.deepEqual(first.ask(first.a, { op: "state" }), [e1, "0", "0"]);
});

test("pages are bounded and start after the id asked for", () => {
  const { a, ask, append } = setup({ maxPage: 3 });
  for (let i = 0; i < 7; i++) append(`A${i}==`);
  const page = ask(a, { op: "read", after: "2", count: 100 }) as [string, string, string, unknown[]];
  assert.deepEqual(page[3], [
    ["3", "A2=="],
    ["4", "A3=="],
    ["5", "A4=="],
  ]);
  assert.equal(page[1], "7");
  const tail = ask(a, { op: "read", after: "5", count: 1 }) as [string, string, string, unknown[]];
  assert.deepEqual(tail[3], [["6", "A5=="]]);
  const beyond = ask(a, { op: "read", after: "9", count: 10 }) as [string, string, string, unknown[]];
  assert.deepEqual(beyond[3], []);
});

test("maxPackets, age and bytes trim the oldest entries, and maxDeleted says so", () => {
  const { a, ask, append, tick, log } = setup({ maxLogBytes: 30 });
  for (let i = 0; i < 5; i++) append("AAAA", 3);
  let page = ask(a, { op: "read", after: "0", count: 100 }) as [string, string, string, unknown[][]];
  assert.deepEqual(
    page[3].map((e) => e[0]),
    ["3", "4", "5"],
  );
  assert.equal(page[2], "2");
  tick(5000);
  append("AAAA", 100, 1000); // the older ones are beyond the age
  page = ask(a, { op: "read", after: "0", count: 100 }) as [string, string, string, unknown[][]];
  assert.deepEqual(
    page[3].map((e) => e[0]),
    ["6"],
  );
  assert.equal(page[2], "5");
  for (let i = 0; i < 20; i++) append("AAAA"); // 3 bytes each, at most 30 bytes
  assert.equal(log.sizes("/")!.entries, 10);
  assert.ok(log.sizes("/")!.bytes <= 30);
  assert.equal(log.counters.trimmed, 26 - 10);
});

test("an entry of 2,000 ids later still reads right after the array was compacted", () => {
  const { a, ask, append } = setup();
  for (let i = 0; i < 3000; i++) append("AAAA", 1000);
  const page = ask(a, { op: "read", after: "2500", count: 2 }) as [string, string, string, unknown[][]];
  assert.deepEqual(
    page[3].map((e) => e[0]),
    ["2501", "2502"],
  );
  assert.equal(page[2], "2000");
});

test("sessions: written, refreshed, expired, deleted, taken once; the oldest written go past the cap", () => {
  const { a, b, ask, tick, log } = setup();
  const write = (pid: string, data: string, ms = 1000, count = 100) =>
    log.handle(a, req({ op: "write", pid, data, ms, count }), [a, b]);
  write("p1", "AQ==");
  assert.equal(ask(b, { op: "take", pid: "p1" }), "AQ==");
  assert.equal(ask(b, { op: "take", pid: "p1" }), null);
  write("p2", "Ag==");
  tick(800);
  log.handle(a, req({ op: "refresh", pids: ["p2", "nope"], ms: 1000 }), [a, b]);
  tick(800);
  assert.equal(ask(a, { op: "take", pid: "p2" }), "Ag==");
  write("p3", "Aw==");
  tick(1001);
  assert.equal(ask(a, { op: "take", pid: "p3" }), null);
  write("p4", "BA==");
  log.handle(a, req({ op: "delete", pid: "p4" }), [a, b]);
  assert.equal(ask(a, { op: "take", pid: "p4" }), null);
  for (let i = 0; i < 5; i++) write(`q${i}`, "AA==", 10_000, 3);
  assert.equal(log.sizes("/")!.sessions, 3);
  assert.equal(log.counters.sessionsEvicted, 2);
  assert.equal(ask(a, { op: "take", pid: "q0" }), null);
  assert.equal(ask(a, { op: "take", pid: "q4" }), "AA==");
});

test("namespaces beyond maxLogs and oversize payloads are dropped and counted; null answers", () => {
  const { a, ask, log, append } = setup({ maxLogs: 1, maxPayloadBytes: 8 });
  ask(a, { op: "state" });
  assert.equal(ask(a, { op: "state" }, "/other"), null);
  append("A".repeat(40));
  assert.equal(log.counters.dropped, 2);
  assert.equal(log.sizes("/")!.entries, 0);
  assert.deepEqual(a.entries(), []);
});

test("a disconnected worker gets nothing", () => {
  const { a, b, append } = setup();
  b.connected = false;
  append("AA==");
  assert.equal(a.entries().length, 1);
  assert.equal(b.entries().length, 0);
});
