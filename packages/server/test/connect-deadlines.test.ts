/**
 * The shared `connectTimeout` queue (one timer for every connection): expiry in insertion order, and
 * cancelled entries are neither called nor kept (a closed connection is not held until the delay ends).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectDeadlines } from "../src/connect-deadlines.js";
import { deferred } from "./helpers.js";

class Entry {
  deadlineSlot = -1;
  constructor(
    readonly name: string,
    private readonly log: string[],
    private readonly onCall?: () => void,
  ) {}
  onConnectDeadline(): void {
    this.log.push(this.name);
    this.onCall?.();
  }
}

test("entries expire in order; cancelled ones are skipped and released at once", async () => {
  // The queue's timer is unref'd (it never holds a process open): keep this test's loop alive meanwhile.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const log: string[] = [];
    const done = deferred();
    const queue = new ConnectDeadlines<Entry>(5);
    const a = new Entry("a", log);
    const b = new Entry("b", log);
    const c = new Entry("c", log, () => done.resolve());
    queue.add(a);
    queue.add(b);
    queue.add(c);
    queue.cancel(b);
    // The queue no longer references b.
    assert.equal((queue as unknown as { entries: unknown[] }).entries.includes(b), false);
    queue.cancel(b); // twice: no effect
    await done.promise;
    assert.deepEqual(log, ["a", "c"]);
    // The arrays were reset when the queue emptied: old slots must not hit new entries.
    const last = deferred();
    const d = new Entry("d", log);
    const e = new Entry("e", log, () => last.resolve());
    queue.add(d);
    queue.cancel(a);
    queue.cancel(c);
    queue.add(e);
    await last.promise;
    assert.deepEqual(log, ["a", "c", "d", "e"]);
  } finally {
    clearInterval(keepAlive);
  }
});
