/**
 * One timer for the heartbeats of every session of a server (DESIGN.md performance principle 1, issue 6).
 *
 * Every session of a server shares the same `pingInterval` and `pingTimeout`, so within one lane (one fixed
 * delay) deadlines are appended in increasing order: an intrusive doubly-linked FIFO list per lane is
 * already sorted. Scheduling is an append at the tail, cancelling an unlink: both O(1), no allocation.
 * A single `setTimeout` is armed for the earliest head among the lanes.
 *
 * A session sits in at most one lane at a time (waiting to ping, waiting for a pong, or — for EIO3 —
 * waiting for the client's ping), so one set of link fields per session is enough.
 */

/** The link fields a scheduled object carries (the session itself: no node object is allocated). */
export interface HeartbeatEntry {
  hbPrev: HeartbeatEntry | null;
  hbNext: HeartbeatEntry | null;
  /** Absolute deadline (ms, `performance.now()` clock). */
  hbDeadline: number;
  /** Lane index, or -1 when not scheduled. */
  hbLane: number;
}

/** Called for each entry whose deadline passed; the entry is already unlinked and may be rescheduled. */
export type HeartbeatExpiry<E extends HeartbeatEntry> = (entry: E, lane: number) => void;

interface Lane {
  readonly delay: number;
  /** Entries due within this many ms are served by the current wake-up (fewer wake-ups, ≤ 2 % early). */
  readonly slack: number;
  head: HeartbeatEntry | null;
  tail: HeartbeatEntry | null;
}

/** Upper bound of a lane's slack: deadlines this close together share one wake-up. */
const MAX_SLACK_MS = 10;

const now = (): number => performance.now();

export class HeartbeatScheduler<E extends HeartbeatEntry> {
  readonly #lanes: Lane[];
  readonly #onExpiry: HeartbeatExpiry<E>;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #armedFor = Number.POSITIVE_INFINITY;
  #size = 0;

  /**
   * @param delays the fixed delay (ms) of each lane, e.g. `[pingInterval, pingTimeout]`.
   * @param onExpiry one function for every entry (no closure per session).
   */
  constructor(delays: readonly number[], onExpiry: HeartbeatExpiry<E>) {
    this.#lanes = delays.map((delay) => ({
      delay,
      slack: Math.min(MAX_SLACK_MS, Math.floor(delay / 50)),
      head: null,
      tail: null,
    }));
    this.#onExpiry = onExpiry;
  }

  /** Number of scheduled entries. */
  get size(): number {
    return this.#size;
  }

  /** (Re)schedules `entry` at `now + delay of lane`, at the tail of that lane. O(1). */
  schedule(entry: E, lane: number): void {
    if (entry.hbLane !== -1) this.#unlink(entry);
    const l = this.#lanes[lane]!;
    // An integer deadline stays a small integer in the session object instead of a boxed double.
    const deadline = Math.ceil(now()) + l.delay;
    entry.hbDeadline = deadline;
    entry.hbLane = lane;
    entry.hbNext = null;
    entry.hbPrev = l.tail;
    if (l.tail === null) l.head = entry;
    else l.tail.hbNext = entry;
    l.tail = entry;
    this.#size++;
    if (deadline < this.#armedFor) this.#arm(deadline);
  }

  /** Removes `entry` from its lane, if scheduled. O(1). The timer is left armed (a spare wake-up is cheap). */
  cancel(entry: E): void {
    if (entry.hbLane === -1) return;
    this.#unlink(entry);
    if (this.#size === 0 && this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#armedFor = Number.POSITIVE_INFINITY;
    }
  }

  /** Unschedules every entry, then calls `fn` with each and the lane it was in (server close). */
  drain(fn: (entry: E, lane: number) => void): void {
    const taken: E[] = [];
    const lanes: number[] = [];
    for (let lane = 0; lane < this.#lanes.length; lane++) {
      for (let e = this.#lanes[lane]!.head; e !== null; e = e.hbNext) {
        taken.push(e as E);
        lanes.push(lane);
      }
    }
    this.clear();
    for (let i = 0; i < taken.length; i++) fn(taken[i]!, lanes[i]!);
  }

  /** Cancels everything (server close). */
  clear(): void {
    for (const l of this.#lanes) {
      let e = l.head;
      while (e !== null) {
        const next = e.hbNext;
        e.hbPrev = e.hbNext = null;
        e.hbLane = -1;
        e = next;
      }
      l.head = l.tail = null;
    }
    this.#size = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #unlink(entry: HeartbeatEntry): void {
    const l = this.#lanes[entry.hbLane]!;
    if (entry.hbPrev === null) l.head = entry.hbNext;
    else entry.hbPrev.hbNext = entry.hbNext;
    if (entry.hbNext === null) l.tail = entry.hbPrev;
    else entry.hbNext.hbPrev = entry.hbPrev;
    entry.hbPrev = entry.hbNext = null;
    entry.hbLane = -1;
    this.#size--;
  }

  #arm(deadline: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(deadline - now())));
  }

  readonly #fire = (): void => {
    this.#timer = null;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const time = now();
    for (let lane = 0; lane < this.#lanes.length; lane++) {
      const l = this.#lanes[lane]!;
      const limit = time + l.slack;
      // Entries rescheduled by the callback land at the tail with a later deadline, so this loop ends.
      while (l.head !== null && l.head.hbDeadline <= limit) {
        const entry = l.head;
        this.#unlink(entry);
        try {
          this.#onExpiry(entry as E, lane);
        } catch (err) {
          // A throwing listener must not stop the heartbeats of the others; it still surfaces.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const l of this.#lanes) if (l.head !== null && l.head.hbDeadline < next) next = l.head.hbDeadline;
    if (next !== Number.POSITIVE_INFINITY && next < this.#armedFor) this.#arm(next);
  };
}
