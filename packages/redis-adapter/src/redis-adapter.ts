/**
 * The Redis broker for the cluster base: channel names, per-room subscriptions and node liveness over
 * Redis pub/sub. Everything else (fan-out, requests, membership) is `ClusterAdapter`'s.
 *
 * Classic mode (`createAdapter`) uses `@socket.io/redis-adapter`'s channels, so socket.io nodes and the
 * redis emitter share the cluster:
 * - `socket.io#<nsp>#`: broadcasts to all sockets or to several rooms (every node subscribes);
 * - `socket.io#<nsp>#<room>#`: broadcasts to one room — a Plexus node subscribes only while it holds
 *   sockets in the room; its own sockets' rooms are covered by one pattern `socket.io#<nsp>#<nodeId>?…?#`
 *   (socket.io nodes PSUBSCRIBE everything, as before);
 * - `socket.io-request#<nsp>#`: requests; `socket.io-response#<nsp>#` and `socket.io-response#<nsp>#<uid>#`:
 *   responses (Plexus nodes always answer on the requester's own channel, which socket.io nodes also read);
 * - `socket.io-plexus#<nsp>#`: subscribed by Plexus nodes only, so that `NUMSUB` of the request channel
 *   minus this one counts the socket.io nodes of a mixed cluster (they send no heartbeats).
 *
 * Sharded mode (`createShardedAdapter`, Redis ≥ 7, `SSUBSCRIBE`/`SPUBLISH`): `socket.io#<nsp>#` for
 * everyone, `socket.io#<nsp>#<room>#` per room (subscription mode `dynamic`, the default) and
 * `socket.io#<nsp>#<nodeId>#` per node (responses, requests and messages to one of its sockets).
 */
import {
  type AdapterNamespace,
  ClusterAdapter,
  type ClusterAdapterOptions,
  type ClusterOutgoing,
  type ClusterRoute,
  type NodeId,
  type Room,
} from "@plexus/adapter";
import {
  decodeClassicMessage,
  decodeShardedMessage,
  encodeClassicMessage,
  encodeShardedMessage,
  type RedisParser,
} from "./redis-codec.js";
import type { RedisLink, SubscriptionMode } from "./redis-link.js";
import { RedisRecoveryLog } from "./redis-recovery-log.js";
import { ShardOrder } from "./shard-order.js";

export interface RedisAdapterSettings extends ClusterAdapterOptions {
  readonly mode: "classic" | "sharded";
  /** Channel prefix (`key` in classic mode, `channelPrefix` in sharded mode). */
  readonly prefix: string;
  readonly parser: RedisParser;
  /** Sharded: `static` puts every broadcast on the namespace channel (no per-room subscriptions). */
  readonly perRoom: boolean;
  /** Messages larger than this are dropped and counted. */
  readonly maxMessageBytes: number;
}

/** Glob characters escaped for PSUBSCRIBE. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export class RedisAdapter extends ClusterAdapter {
  private readonly link: RedisLink;
  private readonly settings: RedisAdapterSettings;
  private readonly sharded: boolean;
  private readonly broadcastPrefix: string;
  private readonly requestChannel: string;
  private readonly responsePrefix: string;
  private readonly markerChannel: string;
  private readonly handler = (channel: string, message: Buffer): void =>
    this.onChannelMessage(channel, message);
  private readonly subscribed: Promise<void>;
  private readonly shardOrder = new ShardOrder((found) => this.receive(found.kind, found.message));
  private readonly stopReady: () => void;
  /** With recovery on: the namespace's recovery log in Redis Streams (`redis-recovery-log.ts`). */
  private readonly recoveryAttached: Promise<void>;

  constructor(nsp: AdapterNamespace, link: RedisLink, nodeId: NodeId, settings: RedisAdapterSettings) {
    super(nsp, nodeId, settings);
    this.link = link;
    this.settings = settings;
    this.sharded = settings.mode === "sharded";
    const { prefix } = settings;
    this.broadcastPrefix = `${prefix}#${nsp.name}#`;
    this.requestChannel = `${prefix}-request#${nsp.name}#`;
    this.responsePrefix = `${prefix}-response#${nsp.name}#`;
    this.markerChannel = `${prefix}-plexus#${nsp.name}#`;
    this.subscribed = this.subscribeBase();
    this.stopReady = link.onReady(() => this.onBrokerConnected());
    this.recoveryAttached = this.attachRecoveryLog(nsp);
  }

  /** Membership starts once this node can hear the answers to its first heartbeat (and its recovery log). */
  override init(): Promise<void> {
    return Promise.all([this.subscribed, this.recoveryAttached]).then(() => super.init());
  }

  private attachRecoveryLog(nsp: AdapterNamespace): Promise<void> {
    const recovery = nsp.recovery;
    if (recovery === undefined) return Promise.resolve();
    const log = new RedisRecoveryLog(this.link, {
      prefix: this.settings.prefix,
      nsp: nsp.name,
      parser: this.settings.parser,
      sharded: this.sharded,
      maxLength: recovery.maxPackets ?? 100_000,
      maxAgeMs: recovery.maxDisconnectionDuration,
    });
    const cluster = this.useRecoveryLog(log);
    return cluster === undefined ? Promise.resolve() : log.attach(cluster);
  }

  override close(): void {
    super.close();
    this.stopReady();
    const { link, handler } = this;
    for (const [channels, mode] of this.baseChannels()) link.unsubscribe(channels, mode, handler);
    link.unsubscribe(
      [...this.subscribedRooms()].map((room) => this.roomChannel(room)),
      this.roomMode(),
      handler,
    );
    link.removeHandler(handler);
  }

  // ---- broker hooks ------------------------------------------------------------------------------------

  protected publish(out: ClusterOutgoing, route: ClusterRoute): void {
    const { parser } = this.settings;
    let payload: Uint8Array | string;
    if (!this.sharded) payload = encodeClassicMessage(out, parser);
    else if (!this.link.cluster) payload = encodeShardedMessage(out, parser);
    else payload = encodeShardedMessage(out, parser, [this.nodeId, this.link.nextSeq()]);
    this.link.publish(this.counters, this.channelFor(out, route), payload, this.sharded);
  }

  protected subscribeRooms(rooms: readonly Room[]): Promise<void> {
    if (!this.settings.perRoom) return Promise.resolve();
    return this.link.subscribe(
      rooms.map((room) => this.roomChannel(room)),
      this.roomMode(),
      this.handler,
    );
  }

  protected unsubscribeRooms(rooms: readonly Room[]): void {
    if (!this.settings.perRoom) return;
    this.link.unsubscribe(
      rooms.map((room) => this.roomChannel(room)),
      this.roomMode(),
      this.handler,
    );
  }

  /** A node is alive while its own channel has a subscriber (its connection to Redis is open). */
  protected override async probeNodes(nodes: readonly NodeId[]): Promise<ReadonlySet<NodeId>> {
    const channels = nodes.map((node) =>
      this.sharded ? this.nodeChannel(node) : this.responseChannel(node),
    );
    const counts = await this.numsub(this.sharded ? "SHARDNUMSUB" : "NUMSUB", channels);
    return new Set(nodes.filter((_, i) => (counts[i] ?? 0) > 0));
  }

  /** socket.io nodes in a classic cluster: request channel subscribers that are not Plexus nodes. */
  protected override async countForeignNodes(): Promise<number> {
    if (this.sharded) return 0;
    const [all = 0, plexus = 0] = await this.numsub("NUMSUB", [this.requestChannel, this.markerChannel]);
    return Math.max(0, all - plexus);
  }

  protected override onBrokerConnected(): void {
    this.lastHeardSelf = performance.now();
    super.onBrokerConnected();
  }

  /** Heartbeat tick: also checks that this node still hears itself (a silent subscriber connection). */
  protected override onHeartbeat(): void {
    const timeout = this.clusterOptions.heartbeatTimeout;
    if (this.link.publisherReady && performance.now() - this.lastHeardSelf > timeout) {
      if (this.link.resetSubscriber(timeout)) this.counters.subscriberResets++;
      this.lastHeardSelf = performance.now();
    }
  }

  // ---- channels ----------------------------------------------------------------------------------------

  /** The channels this node listens to whatever rooms it holds, by subscription mode. */
  private baseChannels(): Array<[string[], SubscriptionMode]> {
    if (this.sharded) return [[[this.broadcastPrefix, this.nodeChannel(this.nodeId)], "shard"]];
    const own = this.responseChannel(this.nodeId);
    return [
      [[this.broadcastPrefix, this.requestChannel, this.responsePrefix, own, this.markerChannel], "channel"],
      [[this.ownSocketsPattern()], "pattern"],
    ];
  }

  private async subscribeBase(): Promise<void> {
    await Promise.all(
      this.baseChannels().map(([channels, mode]) => this.link.subscribe(channels, mode, this.handler)),
    );
  }

  private roomMode(): SubscriptionMode {
    return this.sharded ? "shard" : "channel";
  }

  private roomChannel(room: Room): string {
    return `${this.broadcastPrefix}${room}#`;
  }

  private responseChannel(node: NodeId): string {
    return `${this.responsePrefix}${node}#`;
  }

  private nodeChannel(node: NodeId): string {
    return `${this.broadcastPrefix}${node}#`;
  }

  /** The room channels of this node's own socket ids: `<prefix><nodeId>` + 20 characters + `#`. */
  private ownSocketsPattern(): string {
    return `${globEscape(this.broadcastPrefix)}${this.nodeId}${"?".repeat(20)}#`;
  }

  private channelFor(out: ClusterOutgoing, route: ClusterRoute): string {
    if (this.sharded) {
      if (route.kind === "node") return this.nodeChannel(route.node);
      if (route.kind === "room" && this.settings.perRoom) return this.roomChannel(route.room);
      return this.broadcastPrefix;
    }
    if (out.kind === "response") return this.responseChannel(route.kind === "node" ? route.node : "");
    if (out.kind === "request") return this.requestChannel;
    if (route.kind === "room") return this.roomChannel(route.room);
    if (route.kind === "node" && route.room !== undefined) return this.roomChannel(route.room);
    return this.broadcastPrefix;
  }

  private onChannelMessage(channel: string, message: Buffer): void {
    if (
      !channel.startsWith(this.broadcastPrefix) &&
      !channel.startsWith(this.requestChannel) &&
      !channel.startsWith(this.responsePrefix)
    )
      return;
    if (message.length > this.settings.maxMessageBytes || message.length === 0) {
      this.counters.badMessages++;
      return;
    }
    try {
      if (this.sharded) {
        const found = decodeShardedMessage(message, this.settings.parser);
        if (found === undefined) throw new Error("not a Plexus sharded message");
        this.shardOrder.push(found);
        return;
      }
      if (channel === this.requestChannel) {
        this.receive("request", decodeClassicMessage(message, this.settings.parser));
      } else if (channel.startsWith(this.responsePrefix)) {
        this.receive("response", decodeClassicMessage(message, this.settings.parser));
      } else if (channel !== this.markerChannel) {
        this.receive("broadcast", this.settings.parser.decode(message));
      }
    } catch {
      this.counters.badMessages++;
    }
  }

  private numsub(command: "NUMSUB" | "SHARDNUMSUB", channels: readonly string[]): Promise<number[]> {
    return this.link.countSubscribers(command, channels);
  }
}
