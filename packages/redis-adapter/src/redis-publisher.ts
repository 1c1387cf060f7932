/**
 * How one node's cross-node messages leave for Redis, in the order they were published (PUBLISH or
 * SPUBLISH on the application's publishing connection). On a Redis Cluster, order needs care:
 * - classic channels: both clients send a keyless PUBLISH to any node, so messages could take different
 *   paths through the cluster bus; here every classic publish goes through one master;
 * - sharded channels live on their slot's master: a publish to another channel than the one in flight
 *   waits for its answer (by then Redis has handed that message to its subscribers); publishes to one
 *   channel pipeline.
 * A publish that fails (connection lost while in flight) counts as dropped. Layer: redis-adapter.
 */
import type { QueuedPublish } from "./outage-queue.js";
import { call, clusterKind, isNodeRedis, type Loose, type RedisClient, toBuffer } from "./redis-client.js";

export class RedisPublisher {
  private readonly pub: RedisClient;
  private readonly nodeRedis: boolean;
  private readonly cluster: "ioredis" | "node-redis" | undefined;
  private pinned: RedisClient | undefined;
  private pinning: Promise<void> | undefined;
  private unpinned: QueuedPublish[] = [];
  private gated: QueuedPublish[] = [];
  private inFlight = 0;
  private inFlightChannel = "";

  constructor(pub: RedisClient) {
    this.pub = pub;
    this.nodeRedis = isNodeRedis(pub);
    this.cluster = clusterKind(pub);
  }

  send(item: QueuedPublish): void {
    if (item.sharded && this.cluster !== undefined) this.sendInOrder(item);
    else void this.write(item);
  }

  /**
   * Redis Cluster, sharded: channels live on different masters, so two publishes to different channels
   * may overtake each other. A publish to another channel than the one in flight waits for its answer
   * (by then Redis has handed that message to its subscribers); publishes to the same channel pipeline.
   */
  private sendInOrder(item: QueuedPublish): void {
    if (this.gated.length > 0 || (this.inFlight > 0 && item.channel !== this.inFlightChannel)) {
      this.gated.push(item);
      return;
    }
    this.inFlightChannel = item.channel;
    this.inFlight++;
    void this.write(item).then(() => {
      if (--this.inFlight > 0) return;
      const next = this.gated;
      this.gated = [];
      for (const held of next) this.sendInOrder(held);
    });
  }

  /** Sends one publish; settles (never rejects) once Redis answered or the send failed. */
  private write(item: QueuedPublish): Promise<void> {
    const payload = typeof item.payload === "string" ? item.payload : toBuffer(item.payload);
    try {
      let done: unknown;
      if (item.sharded)
        done = call(this.pub, this.nodeRedis ? "sPublish" : "spublish", item.channel, payload);
      else if (this.cluster !== undefined) {
        // Every classic publish through one master: the cluster bus then forwards them in order (both
        // clients would pick a node per publish).
        const master = this.pinnedMaster();
        if (master === undefined || this.unpinned.length > 0) {
          this.unpinned.push(item);
          return Promise.resolve();
        }
        done = call(master, "publish", item.channel, payload);
      } else done = call(this.pub, "publish", item.channel, payload);
      // A publish lost with the connection (in flight when it dropped) counts as dropped.
      return Promise.resolve(done).then(
        () => {},
        () => {
          item.counters.droppedWhileDown++;
        },
      );
    } catch {
      item.counters.droppedWhileDown++;
      return Promise.resolve();
    }
  }

  /**
   * Redis Cluster: the master all classic publishes go to, kept while it is usable; undefined while a
   * node-redis cluster hands out its client (asynchronously; publishes wait in `unpinned` meanwhile).
   */
  private pinnedMaster(): RedisClient | undefined {
    const current = this.pinned as Loose | undefined;
    if (
      current !== undefined &&
      current.status !== "end" &&
      current.status !== "close" &&
      current.isOpen !== false
    )
      return current;
    this.pinned = undefined;
    if (this.cluster === "ioredis") {
      const masters = call(this.pub, "nodes", "master") as Loose[];
      const port = (m: Loose): number => Number((m.options as Loose | undefined)?.port ?? 0);
      this.pinned = [...masters].sort((a, b) => port(a) - port(b))[0] ?? this.pub;
      return this.pinned;
    }
    if (this.pinning === undefined) {
      const masters = [...((this.pub as Loose).masters as Loose[])];
      const port = (m: Loose): number => Number(m.port ?? 0);
      const first = masters.sort((a, b) => port(a) - port(b))[0];
      const settle = (client: RedisClient | undefined): void => {
        this.pinned = client;
        this.pinning = undefined;
        const waiting = this.unpinned;
        this.unpinned = [];
        for (const item of waiting) {
          if (client === undefined) item.counters.droppedWhileDown++;
          else void this.write(item);
        }
      };
      this.pinning = Promise.resolve(
        first === undefined ? this.pub : call(this.pub, "nodeClient", first),
      ).then(
        (client) => settle(client as RedisClient),
        () => settle(undefined),
      );
    }
    return undefined;
  }
}
