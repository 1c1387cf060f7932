/**
 * The two Redis connections of one node (the `pubClient` and `subClient` the application passes), for
 * `ioredis` and `redis` (node-redis v4+) clients alike, recognised by their methods (no `instanceof`:
 * any copy of either package works), connected already or still connecting.
 *
 * - Publishing never blocks local delivery: while the publishing connection is not ready, messages wait
 *   in the bounded `OutageQueue` and leave in order when it is ready again.
 * - Subscribing while the subscriber connection is down resolves at once and is replayed when it is ready
 *   (both clients also restore their own subscriptions after a reconnection).
 * - `resetSubscriber` forces a silent subscriber connection to reconnect, with both clients: ioredis
 *   reconnects and restores its subscriptions itself; a node-redis client is destroyed and connected
 *   again (node-redis forgets its subscriptions then), and this link subscribes again to everything it
 *   holds (`active`).
 * - Redis Cluster clients (ioredis `Cluster`, node-redis `createCluster`) work too: subscriber counts are
 *   added up over every master (`countSubscribers`), and publishing keeps each node's order
 *   (`RedisPublisher`).
 */
import { type OutageCounters, OutageQueue } from "./outage-queue.js";
import {
  call,
  clusterKind,
  isNodeRedis,
  isReady,
  type Loose,
  method,
  type RedisClient,
  toBuffer,
} from "./redis-client.js";
import { RedisPublisher } from "./redis-publisher.js";

export type { RedisClient } from "./redis-client.js";

export type SubscriptionMode = "channel" | "pattern" | "shard";
export type ChannelHandler = (channel: string, message: Buffer) => void;

const IOREDIS_EVENTS: Record<SubscriptionMode, string> = {
  channel: "messageBuffer",
  pattern: "pmessageBuffer",
  shard: "smessageBuffer",
};
const NODE_REDIS_METHODS: Record<SubscriptionMode, [string, string]> = {
  channel: ["subscribe", "unsubscribe"],
  pattern: ["pSubscribe", "pUnsubscribe"],
  shard: ["sSubscribe", "sUnsubscribe"],
};
const IOREDIS_METHODS: Record<SubscriptionMode, [string, string]> = {
  channel: ["subscribe", "unsubscribe"],
  pattern: ["psubscribe", "punsubscribe"],
  shard: ["ssubscribe", "sunsubscribe"],
};

interface Deferred {
  readonly channels: readonly string[];
  readonly mode: SubscriptionMode;
  readonly handler: ChannelHandler;
}

export interface RedisLinkOptions {
  readonly outageQueueBytes: number;
  readonly outageQueueMaxAge: number;
}

export class RedisLink {
  readonly pub: RedisClient;
  readonly sub: RedisClient;
  readonly nodeRedis: boolean;
  readonly queue: OutageQueue;
  private readonly handlers: Record<SubscriptionMode, Set<ChannelHandler>> = {
    channel: new Set(),
    pattern: new Set(),
    shard: new Set(),
  };
  /** node-redis: our listener per handler (node-redis passes `(message, channel)`). */
  private readonly nodeRedisListeners = new Map<ChannelHandler, (message: Buffer, channel: Buffer) => void>();
  private deferred: Deferred[] = [];
  /** Every channel subscribed and not unsubscribed, per handler and mode (replayed after a reset). */
  private readonly active = new Map<ChannelHandler, Record<SubscriptionMode, Set<string>>>();
  private readonly readyListeners = new Set<() => void>();
  private lastReset = 0;
  private pubReady: Promise<void> | undefined;
  private readonly detach: Array<() => void> = [];
  private closed = false;
  private readonly publisher: RedisPublisher;
  /** Whether the clients are Redis Cluster clients. */
  readonly cluster: boolean;
  private seq = 0;

  constructor(pub: RedisClient, sub: RedisClient, opts: RedisLinkOptions) {
    this.pub = pub;
    this.sub = sub;
    this.nodeRedis = isNodeRedis(sub);
    this.publisher = new RedisPublisher(pub);
    this.cluster = clusterKind(pub) !== undefined;
    this.queue = new OutageQueue(opts.outageQueueBytes, opts.outageQueueMaxAge);
    this.listen(pub, "ready", () => this.flush());
    if (clusterKind(pub) === "node-redis") this.listen(pub, "connect", () => this.flush());
    this.listen(sub, "ready", () => this.onSubscriberReady());
    // A node-redis cluster says "connect" once its slot map is loaded (it has no "ready" event).
    if (clusterKind(sub) === "node-redis") this.listen(sub, "connect", () => this.onSubscriberReady());
    // Errors are the application's to log (as with socket.io's adapter); without a listener, an
    // EventEmitter would throw them and crash the process during an outage.
    const quiet = (): void => {};
    this.listen(pub, "error", quiet);
    this.listen(sub, "error", quiet);
    if (!this.nodeRedis) {
      for (const mode of ["channel", "shard"] as const) {
        this.listen(sub, IOREDIS_EVENTS[mode], (channel, message) => {
          const name = toBuffer(channel).toString();
          for (const handler of this.handlers[mode]) handler(name, message as Buffer);
        });
      }
      this.listen(sub, IOREDIS_EVENTS.pattern, (_pattern, channel, message) => {
        const name = toBuffer(channel).toString();
        for (const handler of this.handlers.pattern) handler(name, message as Buffer);
      });
    }
  }

  /** This node's next publish sequence number (sharded mode on a Redis Cluster, see `ShardOrder`). */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Called whenever the subscriber connection is ready again (after the deferred subscriptions). */
  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  get publisherReady(): boolean {
    return isReady(this.pub);
  }

  get subscriberReady(): boolean {
    return isReady(this.sub);
  }

  /** Publishes now, or queues (bounded) while the publisher is down or older messages still wait. */
  publish(counters: OutageCounters, channel: string, payload: Uint8Array | string, sharded: boolean): void {
    if (!this.publisherReady || this.queue.length > 0) {
      this.queue.push(counters, channel, payload, sharded);
      if (this.publisherReady) this.flush();
      return;
    }
    this.publisher.send({ counters, channel, payload, sharded, bytes: 0, at: 0 });
  }

  /** A Redis command on the publishing connection (PUBSUB NUMSUB...), sent once it is ready. */
  async command(args: readonly string[]): Promise<unknown> {
    await this.publisherUsable();
    if (this.nodeRedis) return call(this.pub, "sendCommand", [...args]);
    return call(this.pub, "call", ...args);
  }

  /** Resolves once the publishing connection is ready ("ready"; a node-redis cluster says "connect"). */
  private async publisherUsable(): Promise<void> {
    if (this.publisherReady) return;
    const event = clusterKind(this.pub) === "node-redis" ? "connect" : "ready";
    this.pubReady ??= new Promise<void>((resolve) => {
      const onReady = (): void => {
        method(this.pub, "off")?.(event, onReady);
        this.pubReady = undefined;
        resolve();
      };
      method(this.pub, "on")?.(event, onReady);
    });
    await this.pubReady;
  }

  /**
   * `PUBSUB NUMSUB|SHARDNUMSUB channels...` as counts in channel order. On a Redis Cluster each node answers
   * for its own subscribers only (classic channels: whoever is subscribed on that node; sharded: the slot's
   * owner), so the counts of every master are added up.
   */
  async countSubscribers(command: "NUMSUB" | "SHARDNUMSUB", channels: readonly string[]): Promise<number[]> {
    const args = ["PUBSUB", command, ...channels];
    const replies = await this.onEveryMaster(args);
    const counts = channels.map(() => 0);
    for (const reply of replies) {
      if (!Array.isArray(reply)) continue;
      for (let i = 1; i < reply.length; i += 2) counts[(i - 1) / 2]! += Number(reply[i]) || 0;
    }
    return counts;
  }

  private async onEveryMaster(args: readonly string[]): Promise<unknown[]> {
    const kind = clusterKind(this.pub);
    if (kind === undefined) return [await this.command(args)];
    await this.publisherUsable();
    if (kind === "ioredis") {
      const masters = call(this.pub, "nodes", "master") as RedisClient[];
      return Promise.all(masters.map((m) => call(m, "call", ...args)));
    }
    const masters = (this.pub as Loose).masters as unknown[];
    return Promise.all(
      masters.map(async (m) =>
        call((await call(this.pub, "nodeClient", m)) as RedisClient, "sendCommand", [...args]),
      ),
    );
  }

  /** Subscribes `handler` to `channels`; resolves once Redis confirmed, or at once while disconnected. */
  async subscribe(
    channels: readonly string[],
    mode: SubscriptionMode,
    handler: ChannelHandler,
  ): Promise<void> {
    if (channels.length === 0) return;
    this.handlers[mode].add(handler);
    const held = this.activeOf(handler)[mode];
    for (const channel of channels) held.add(channel);
    if (!this.subscriberReady) {
      this.deferred.push({ channels, mode, handler });
      return;
    }
    try {
      await this.rawSubscribe(channels, mode, handler);
    } catch {
      // The connection dropped meanwhile: the client restores subscriptions when it reconnects.
    }
  }

  unsubscribe(channels: readonly string[], mode: SubscriptionMode, handler: ChannelHandler): void {
    if (channels.length === 0) return;
    const held = this.active.get(handler)?.[mode];
    for (const channel of channels) held?.delete(channel);
    const drop = new Set(channels);
    this.deferred = this.deferred.filter(
      (d) => d.handler !== handler || !d.channels.some((c) => drop.has(c)),
    );
    if (!this.subscriberReady) return;
    const [, unsub] = (this.nodeRedis ? NODE_REDIS_METHODS : IOREDIS_METHODS)[mode];
    const each = mode === "shard" ? channels.map((c) => [c]) : [channels];
    for (const group of each) {
      try {
        const done = this.nodeRedis
          ? call(this.sub, unsub, [...group], this.nodeRedisListener(handler), true)
          : call(this.sub, unsub, ...group);
        (done as Promise<unknown> | undefined)?.then?.(undefined, () => {});
      } catch {
        // Disconnected: nothing to undo on the server.
      }
    }
  }

  /** Stops dispatching to `handler` (the adapter closed). */
  removeHandler(handler: ChannelHandler): void {
    for (const mode of ["channel", "pattern", "shard"] as const) this.handlers[mode].delete(handler);
    this.nodeRedisListeners.delete(handler);
    this.active.delete(handler);
  }

  /** Forces the subscriber connection to reconnect (at most once per `minIntervalMs`); true if it did. */
  resetSubscriber(minIntervalMs: number): boolean {
    const now = performance.now();
    if (now - this.lastReset < minIntervalMs) return false;
    this.lastReset = now;
    if (!this.nodeRedis) {
      method(this.sub, "disconnect")?.(true);
      return true;
    }
    // node-redis has no public "reconnect": destroy (v5; disconnect in v4) and connect again. It drops its
    // subscriptions with the connection, so everything held is subscribed again once it is ready.
    const end = method(this.sub, "destroy") ?? method(this.sub, "disconnect");
    if (end === undefined) return false;
    this.deferred = [...this.deferred, ...this.heldSubscriptions()];
    try {
      (end() as Promise<unknown> | undefined)?.then?.(undefined, () => {});
    } catch {
      // Already closed: connecting again is all that is needed.
    }
    this.reconnectNodeRedis();
    return true;
  }

  /** Removes this link's listeners from the clients. */
  close(): void {
    this.closed = true;
    for (const undo of this.detach.splice(0)) undo();
  }

  private activeOf(handler: ChannelHandler): Record<SubscriptionMode, Set<string>> {
    let held = this.active.get(handler);
    if (held === undefined) {
      held = { channel: new Set(), pattern: new Set(), shard: new Set() };
      this.active.set(handler, held);
    }
    return held;
  }

  private heldSubscriptions(): Deferred[] {
    const out: Deferred[] = [];
    for (const [handler, held] of this.active) {
      for (const mode of ["channel", "pattern", "shard"] as const) {
        if (held[mode].size > 0) out.push({ channels: [...held[mode]], mode, handler });
      }
    }
    return out;
  }

  /** `connect()` on a closed node-redis client, retried while Redis refuses (its own strategy gave up). */
  private reconnectNodeRedis(): void {
    const connect = method(this.sub, "connect");
    if (connect === undefined) return;
    Promise.resolve()
      .then(() => connect())
      .then(undefined, () => {
        if (this.closed || (this.sub as Loose).isOpen === true) return;
        setTimeout(() => this.reconnectNodeRedis(), 1000).unref();
      });
  }

  private listen(client: RedisClient, event: string, fn: (...args: unknown[]) => void): void {
    method(client, "on")?.(event, fn);
    this.detach.push(
      () => method(client, "off")?.(event, fn) ?? method(client, "removeListener")?.(event, fn),
    );
  }

  private nodeRedisListener(handler: ChannelHandler): (message: Buffer, channel: Buffer) => void {
    let listener = this.nodeRedisListeners.get(handler);
    if (listener === undefined) {
      listener = (message, channel) => handler(toBuffer(channel).toString(), toBuffer(message));
      this.nodeRedisListeners.set(handler, listener);
    }
    return listener;
  }

  private async rawSubscribe(
    channels: readonly string[],
    mode: SubscriptionMode,
    handler: ChannelHandler,
  ): Promise<void> {
    const [sub] = (this.nodeRedis ? NODE_REDIS_METHODS : IOREDIS_METHODS)[mode];
    // Sharded channels may live in different slots (Redis Cluster): one SSUBSCRIBE per channel.
    const groups = mode === "shard" ? channels.map((c) => [c]) : [channels];
    await Promise.all(
      groups.map((group) =>
        this.nodeRedis
          ? call(this.sub, sub, [...group], this.nodeRedisListener(handler), true)
          : call(this.sub, sub, ...group),
      ),
    );
  }

  private async onSubscriberReady(): Promise<void> {
    const pending = this.deferred;
    this.deferred = [];
    await Promise.all(
      pending.map((d) => this.rawSubscribe(d.channels, d.mode, d.handler).catch(() => this.deferred.push(d))),
    );
    for (const listener of this.readyListeners) listener();
  }

  private flush(): void {
    this.queue.drain((item) => this.publisher.send(item));
  }
}
