/**
 * The broker-independent half of recovery across nodes (`cluster-recovery.ts`, `cluster-recovery-log.ts`)
 * against a small in-memory broker — what an IPC implementation of `RecoveryLogBroker` has to provide:
 * a node that missed deliveries reads the gap from the log before anything newer, duplicates are
 * dropped, a new epoch resets, restore pages through the log and refuses trimmed or foreign offsets; the
 * wire checks never throw on random input.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import {
  type AdapterNamespace,
  type BroadcastOptions,
  ClusterRecovery,
  entryFromWire,
  type LogEntry,
  type LogPage,
  type LogState,
  parseOffset,
  type RecoveryHost,
  type RecoveryLogBroker,
  recordFromWire,
  type SessionRecord,
} from "@plexus/adapter";
import fc from "fast-check";

/** A log in memory: ids are decimal integers; trimming moves `maxDeleted`. */
class MemoryLog {
  epoch = "e1";
  entries: Array<[string, LogEntry]> = [];
  next = 1;
  maxDeleted = "0";
  readonly sessions = new Map<string, SessionRecord>();
  readonly nodes = new Set<ClusterRecovery>();
  /** Nodes that do not get deliveries (a dropped subscription). */
  readonly deaf = new Set<ClusterRecovery>();

  append(entry: LogEntry): void {
    const prev = this.entries.at(-1)?.[0] ?? String(this.next - 1);
    const id = String(this.next++);
    this.entries.push([id, { ...entry, data: [...entry.data] }]);
    for (const node of this.nodes) if (!this.deaf.has(node)) node.receive(this.epoch, prev, id, entry);
  }

  trim(keep: number): void {
    const cut = this.entries.length - keep;
    if (cut <= 0) return;
    this.maxDeleted = this.entries[cut - 1]![0];
    this.entries = this.entries.slice(cut);
  }

  broker(): RecoveryLogBroker {
    const state = (): LogState => ({
      epoch: this.epoch,
      last: String(this.next - 1),
      maxDeleted: this.maxDeleted,
    });
    return {
      append: (entry) => {
        queueMicrotask(() => this.append(entry));
        return true;
      },
      state: async () => state(),
      read: async (after, count): Promise<LogPage> => ({
        ...state(),
        entries: this.entries.filter(([id]) => Number(id) > Number(after)).slice(0, count),
      }),
      compare: (a, b) => Number(a) - Number(b),
      isId: (id) => /^[0-9]{1,15}$/.test(id),
      writeSession: (pid, record) => this.sessions.set(pid, record),
      refreshSessions: () => {},
      deleteSession: (pid) => this.sessions.delete(pid),
      takeSession: async (pid) => {
        const record = this.sessions.get(pid);
        this.sessions.delete(pid);
        return record;
      },
      close: () => {},
    };
  }
}

/** A node: what it delivered, by room. */
function node(log: MemoryLog): { recovery: ClusterRecovery; delivered: unknown[][] } {
  const delivered: unknown[][] = [];
  const host = Object.assign(new EventEmitter(), {
    nsp: { name: "/", sockets: new Map() } as unknown as AdapterNamespace,
    deliverLocally: (data: unknown[], _opts: BroadcastOptions) => delivered.push(data),
  }) as unknown as RecoveryHost;
  const recovery = new ClusterRecovery(host, log.broker(), { maxDisconnectionDuration: 60_000 });
  log.nodes.add(recovery);
  return { recovery, delivered };
}

const entry = (n: number, rooms: string[] = []): LogEntry => ({
  rooms,
  except: [],
  compress: true,
  data: ["e", n],
});

test("a node that missed deliveries reads the gap from the log first; duplicates are dropped", async () => {
  const log = new MemoryLog();
  const a = node(log);
  await a.recovery.start();
  log.append(entry(1));
  log.deaf.add(a.recovery);
  log.append(entry(2));
  log.append(entry(3));
  log.deaf.delete(a.recovery);
  log.append(entry(4));
  log.append(entry(5));
  // Delivered again (a resubscription replaying): ignored.
  a.recovery.receive("e1", "3", "4", entry(4));
  while (a.delivered.length < 5) await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    a.delivered.map((d) => d[1]),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(a.delivered[0], ["e", 1, "e1:1"]);
  assert.equal(a.recovery.counters.gapsFilled, 1);
  // A new epoch (the log was lost) starts over.
  log.epoch = "e2";
  log.entries = [];
  log.append(entry(6));
  assert.deepEqual(a.delivered.at(-1), ["e", 6, "e2:6"]);
});

test("restore pages through the log, filters by rooms, refuses trimmed, foreign and made-up offsets", async () => {
  const log = new MemoryLog();
  const a = node(log);
  await a.recovery.start();
  for (let i = 1; i <= 1200; i++) log.append(entry(i, i % 2 === 0 ? ["even"] : ["odd"]));
  const record: SessionRecord = { sid: "s", rooms: ["s", "even"], data: { u: 1 }, base: undefined };
  log.sessions.set("p", record);
  const restored = await a.recovery.restore("p", "e1:10");
  assert.ok(restored !== null);
  const missed = restored.missedPackets;
  assert.equal(missed.length, 595);
  assert.deepEqual(missed[0], ["e", 12, "e1:12"]);
  assert.deepEqual(missed.at(-1), ["e", 1200, "e1:1200"]);
  // Gone once taken.
  assert.equal(await a.recovery.restore("p", "e1:10"), null);
  log.trim(100);
  for (const offset of ["e1:10", "e0:1150", "e1:99999", "nonsense", "e1:-1"]) {
    log.sessions.set("p", record);
    assert.equal(await a.recovery.restore("p", offset), null, offset);
  }
  log.sessions.set("p", record);
  assert.equal((await a.recovery.restore("p", "e1:1190"))?.missedPackets.length, 5);
});

test("the wire checks of entries, records and offsets never throw on random input", () => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      entryFromWire(value);
      recordFromWire(value);
      if (typeof value === "string") parseOffset(value, (id) => /^[0-9]+$/.test(id));
    }),
    { numRuns: 2000, seed: 14 },
  );
  assert.equal(entryFromWire([["r"], [], 1, []]), undefined);
  assert.equal(recordFromWire([1, "s", ["s"], null, "e", ""])?.base, undefined);
  assert.deepEqual(
    parseOffset("e1:12", () => true),
    { epoch: "e1", id: "12" },
  );
});
