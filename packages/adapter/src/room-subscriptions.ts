/**
 * Per-room routing on the receiving side: the broker channels this node listens to because it holds
 * sockets in a room. Subscriptions of one tick go out as one batch; a room emptied is unsubscribed only
 * after `unsubscribeDelay` (a room that empties and fills again, a chat with one member reconnecting,
 * costs no churn). `ready(room)` is the promise a `join()` returns while the room's subscription is in
 * flight, so that once the join resolved, a broadcast from any node reaches the socket.
 */
import type { Room } from "./adapter.js";

export interface RoomSubscriber {
  /** Resolves once messages published to these rooms reach this node (also on failure: see below). */
  subscribe(rooms: readonly Room[]): Promise<void>;
  unsubscribe(rooms: readonly Room[]): void;
}

interface Batch {
  readonly rooms: Room[];
  readonly done: Promise<void>;
  resolve(): void;
}

export class RoomSubscriptions {
  private readonly subscriber: RoomSubscriber;
  private readonly delayMs: number;
  /** Rooms subscribed or being subscribed. */
  private readonly active = new Set<Room>();
  /** Rooms whose subscription is in flight → its batch's promise. */
  private readonly inFlight = new Map<Room, Promise<void>>();
  /** Rooms emptied → when to unsubscribe them. */
  private readonly leaving = new Map<Room, number>();
  private next: Batch | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(subscriber: RoomSubscriber, unsubscribeDelayMs: number) {
    this.subscriber = subscriber;
    this.delayMs = unsubscribeDelayMs;
  }

  /** This node holds sockets in `room` now. */
  add(room: Room): void {
    if (this.closed) return;
    if (this.leaving.delete(room) || this.active.has(room)) return;
    this.active.add(room);
    let batch = this.next;
    if (batch === undefined) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      batch = { rooms: [], done, resolve };
      this.next = batch;
      process.nextTick(() => this.flush());
    }
    batch.rooms.push(room);
    this.inFlight.set(room, batch.done);
  }

  /** This node holds no socket in `room` any more. */
  remove(room: Room): void {
    if (!this.active.has(room) || this.closed) return;
    this.leaving.set(room, performance.now() + this.delayMs);
    this.sweepTimer ??= setTimeout(() => this.sweep(), this.delayMs).unref();
  }

  /** The promise to wait for before messages to `room` are sure to arrive, or undefined when they are. */
  ready(room: Room): Promise<void> | undefined {
    return this.inFlight.get(room);
  }

  /** Every room subscribed (to restore after the broker connection came back). */
  rooms(): IterableIterator<Room> {
    return this.active.values();
  }

  has(room: Room): boolean {
    return this.active.has(room);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    this.next?.resolve();
    this.next = undefined;
    this.active.clear();
    this.inFlight.clear();
    this.leaving.clear();
  }

  private flush(): void {
    const batch = this.next;
    this.next = undefined;
    if (batch === undefined || this.closed) return;
    const rooms = batch.rooms.filter((room) => this.active.has(room));
    const finish = (): void => {
      for (const room of batch.rooms) if (this.inFlight.get(room) === batch.done) this.inFlight.delete(room);
      batch.resolve();
    };
    if (rooms.length === 0) {
      finish();
      return;
    }
    // A failed subscribe (broker down) still resolves the joins: the broker restores every active room
    // when it reconnects, and a join must not hang for the length of an outage.
    this.subscriber.subscribe(rooms).then(finish, finish);
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    if (this.closed) return;
    const now = performance.now();
    const due: Room[] = [];
    let nextDue = Number.POSITIVE_INFINITY;
    for (const [room, at] of this.leaving) {
      if (at <= now) {
        due.push(room);
        this.leaving.delete(room);
        this.active.delete(room);
      } else if (at < nextDue) nextDue = at;
    }
    if (due.length > 0) this.subscriber.unsubscribe(due);
    if (nextDue !== Number.POSITIVE_INFINITY) {
      this.sweepTimer = setTimeout(() => this.sweep(), Math.max(1, nextDue - now)).unref();
    }
  }
}
