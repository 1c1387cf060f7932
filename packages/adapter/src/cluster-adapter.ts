/**
 * The cluster base: everything a multi-node adapter does that does not depend on the broker. It keeps
 * the in-memory adapter for this node's sockets and adds cross-node broadcasts (with `except`, multi-room
 * dedupe, `volatile`, `local`, binary), broadcasts with acks, `fetchSockets`, `socketsJoin`/`socketsLeave`,
 * `disconnectSockets`, `serverSideEmit` with and without acks and `serverCount`, over membership by
 * heartbeat and per-room routing. A broker (Redis, NATS, ...) extends it and implements only the hooks:
 * `publish` (encode synchronously and send, or queue while disconnected), `subscribeRooms` /
 * `unsubscribeRooms` (per-room routing), and optionally `probeNodes` / `countForeignNodes`; it hands every
 * decoded message to `receive`.
 *
 * Guarantees on top of the contract's (`adapter.ts`):
 * - **Order per sender.** Messages of one node are published in call order; a broker must deliver one
 *   publisher's messages to a subscriber in that order (one connection each way does).
 * - **Joins take effect everywhere.** `join()` returns a promise while the room's subscription is in flight;
 *   once it resolved, broadcasts from any node reach the socket. After `socketsJoin`, broadcasts to the
 *   joined rooms go to every node until every member confirmed its subscription.
 * - **Bounded waits.** Requests wait for live members only (see `ClusterRequests`); errors carry codes
 *   (`cluster-error.ts`).
 * - **A message to one socket** goes to the node named in the socket id (`newSocketId`).
 * - **Recovery across nodes** when the broker also keeps a log (`useRecoveryLog`, see `cluster-recovery.ts`):
 *   loggable packets then go through the log instead of `publish`, and sessions live in the broker.
 */
import { randomBytes } from "node:crypto";
import type { SocketPacket } from "@plexus/protocol";
import type {
  AdapterNamespace,
  AdapterSocket,
  AdapterStats,
  BroadcastOptions,
  PrivateSessionId,
  RemoteSocketDetails,
  RestoredSession,
  Room,
  Session,
  SocketId,
} from "./adapter.js";
import { BroadcastAcks } from "./broadcast-acks.js";
import { answerRequest, type RequestAnswerer } from "./cluster-answers.js";
import {
  type ClusterAdapterOptions,
  type ClusterCounters,
  type ClusterMessageKind,
  type ClusterOutgoing,
  type ClusterRoute,
  nodeOfSocketId,
  SOCKET_ID_LENGTH,
} from "./cluster-broker.js";
import { ClusterMembership } from "./cluster-membership.js";
import {
  type BroadcastMessage,
  ClusterMessageType,
  type NodeId,
  parseBroadcast,
  parseRequest,
  parseResponse,
  parseSocketDetails,
  type RequestMessage,
  type ResponseMessage,
  type WireTarget,
} from "./cluster-message.js";
import { ClusterPresence } from "./cluster-presence.js";
import { ClusterRecovery } from "./cluster-recovery.js";
import type { RecoveryLogBroker } from "./cluster-recovery-log.js";
import { ClusterRequests, type RequestSpec } from "./cluster-requests.js";
import { ClusterRouting, type ClusterSessionRouting, isRouteMessage } from "./cluster-routing.js";
import { InMemoryAdapter } from "./in-memory-adapter.js";
import { PresenceTable } from "./presence-table.js";
import { newId } from "./random-id.js";
import { RoomSubscriptions } from "./room-subscriptions.js";

export abstract class ClusterAdapter extends InMemoryAdapter {
  readonly nodeId: NodeId;
  readonly membership: ClusterMembership;
  readonly counters: ClusterCounters = {
    published: 0,
    received: 0,
    badMessages: 0,
    queued: 0,
    droppedWhileDown: 0,
    requestTimeouts: 0,
    subscriberResets: 0,
  };
  protected readonly clusterOptions: Required<ClusterAdapterOptions>;
  private readonly requests: ClusterRequests;
  private readonly subscriptions: RoomSubscriptions;
  private readonly ackBroadcasts = new BroadcastAcks();
  /** Rooms that just got remote members: broadcasts to them go to all nodes until the joins are confirmed. */
  private readonly widened = new Map<Room, number>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** When this node last heard its own heartbeat (ms, monotonic). */
  protected lastHeardSelf = performance.now();
  private readonly answerer: RequestAnswerer;
  /** Replicates the presence table (cluster-presence.ts). */
  private readonly presenceSync: ClusterPresence;
  private closed = false;
  /** Set when recovery is on and the broker keeps the cluster's recovery log (`useRecoveryLog`). */
  recoveryLog: ClusterRecovery | undefined;
  /** Session routing (cluster-routing.ts), once the server asked for it. */
  private routing: ClusterRouting | null = null;

  constructor(nsp: AdapterNamespace, nodeId: NodeId, opts: ClusterAdapterOptions = {}) {
    super(nsp);
    this.nodeId = nodeId;
    this.answerer = {
      nodeId,
      adapter: this,
      respond: (to, response) =>
        this.publishOut({ kind: "response", message: response }, { kind: "node", node: to }),
    };
    this.clusterOptions = {
      requestsTimeout: opts.requestsTimeout ?? 5000,
      heartbeatInterval: opts.heartbeatInterval ?? 5000,
      heartbeatTimeout: opts.heartbeatTimeout ?? 10000,
      unsubscribeDelay: opts.unsubscribeDelay ?? 2000,
      maxPendingRequests: opts.maxPendingRequests ?? 10000,
      sessionRouting: opts.sessionRouting ?? "channel",
    };
    this.membership = new ClusterMembership(nodeId, this.clusterOptions.heartbeatTimeout);
    this.requests = new ClusterRequests(this.membership, {
      timeoutMs: this.clusterOptions.requestsTimeout,
      maxPending: this.clusterOptions.maxPendingRequests,
      probe: this.probeNodes === ClusterAdapter.prototype.probeNodes ? undefined : (n) => this.probeNodes(n),
      onTimeout: () => {
        this.counters.requestTimeouts++;
      },
    });
    this.subscriptions = new RoomSubscriptions(
      {
        subscribe: (rooms) => this.subscribeRooms(rooms),
        unsubscribe: (rooms) => this.unsubscribeRooms(rooms),
      },
      this.clusterOptions.unsubscribeDelay,
    );
    this.membership.on("down", (node) => this.onNodeDown(node));
    this.on("create-room", (room) => {
      if (!this.ownsSocketRoom(room)) this.subscriptions.add(room);
    });
    this.on("delete-room", (room) => this.subscriptions.remove(room));
    this.presenceSync = new ClusterPresence({
      nodeId,
      membership: this.membership,
      table: this.presence,
      publish: (message, to) => this.publishRequest(message, this.requestRoute(to)),
      probe: this.probeNodes === ClusterAdapter.prototype.probeNodes ? undefined : (n) => this.probeNodes(n),
      probeIntervalMs: this.clusterOptions.heartbeatInterval,
      syncTimeoutMs: this.clusterOptions.requestsTimeout,
    });
  }

  /** This node's presence table: its entries are owned by `nodeId`. */
  protected override createPresence(): PresenceTable {
    return new PresenceTable(this.nodeId);
  }

  /**
   * Read by `@plexus/metrics` at scrape time (the `AdapterStats` contract): the cluster counters, and the
   * recovery store's sizes when recovery is on. Broker errors are the subscriber resets (silent connections
   * reconnected) and the messages dropped while the broker was unreachable.
   */
  override stats(): AdapterStats {
    const c = this.counters;
    const own = {
      messagesSent: c.published,
      messagesReceived: c.received,
      requestTimeouts: c.requestTimeouts,
      brokerErrors: c.subscriberResets + c.droppedWhileDown,
    };
    const store = this.store;
    if (store === undefined) return own;
    return { ...own, recoverySessions: store.sessionCount, recoveryPackets: store.packetCount };
  }

  // ---- broker hooks ------------------------------------------------------------------------------------

  /** Sends a message along `route`. Must encode synchronously (packets are mutated after the call). */
  protected abstract publish(out: ClusterOutgoing, route: ClusterRoute): void;
  /** Starts receiving messages routed to `rooms`; resolves once they arrive (or the broker is down). */
  protected abstract subscribeRooms(rooms: readonly Room[]): Promise<void>;
  protected abstract unsubscribeRooms(rooms: readonly Room[]): void;
  /** Which of `nodes` still exist (optional: lets requests finish early when a node died silently). */
  protected probeNodes(nodes: readonly NodeId[]): Promise<ReadonlySet<NodeId>> {
    return Promise.resolve(new Set(nodes));
  }
  /** How many nodes without heartbeats (socket.io nodes) share the cluster (optional). */
  protected countForeignNodes(): Promise<number> {
    return Promise.resolve(0);
  }

  /**
   * Called by a broker that keeps a cluster-wide recovery log (from its constructor): with recovery on,
   * sessions and missed packets then live in the broker instead of this process. Returns the recovery,
   * whose `receive` the broker feeds with the log's entries and whose `start` it calls once subscribed.
   */
  protected useRecoveryLog(broker: RecoveryLogBroker): ClusterRecovery | undefined {
    const recovery = this.nsp.recovery;
    if (recovery === undefined) return undefined;
    this.store = undefined;
    this.recoveryLog = new ClusterRecovery(this, broker, recovery);
    return this.recoveryLog;
  }

  /** @internal Delivers a logged packet to this node's sockets (the recovery log's deliveries). */
  deliverLocally(data: unknown[], opts: BroadcastOptions): void {
    super.broadcast({ type: 2, nsp: this.nsp.name, data }, opts);
  }

  override persistSession(session: Session): void {
    if (this.recoveryLog === undefined) super.persistSession(session);
    else this.recoveryLog.persist(session);
  }

  override restoreSession(
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RestoredSession | null> | RestoredSession | null {
    if (this.recoveryLog === undefined) return super.restoreSession(pid, offset);
    return this.recoveryLog.restore(pid, offset);
  }

  updateSession(id: SocketId): void {
    this.recoveryLog?.touch(id);
  }

  /** Rooms this node is subscribed to (a broker restores them after reconnecting). */
  protected subscribedRooms(): IterableIterator<Room> {
    return this.subscriptions.rooms();
  }

  /** Called on every heartbeat tick (a broker may probe its connections here). */
  protected onHeartbeat(): void {}

  /** The broker (re)connected: announce this node at once. */
  protected onBrokerConnected(): void {
    this.heartbeat();
  }

  /** A decoded message from the broker. Anything malformed is dropped and counted, never thrown. */
  protected receive(kind: ClusterMessageKind, value: unknown): void {
    if (this.closed) return;
    if (kind === "broadcast") {
      const message = parseBroadcast(value);
      if (message === undefined) this.counters.badMessages++;
      else this.onBroadcast(message);
    } else if (kind === "request") {
      const message = parseRequest(value);
      if (message === undefined) this.counters.badMessages++;
      else if (message.uid !== this.nodeId) this.onRequest(message);
      else if (message.type === ClusterMessageType.HEARTBEAT) {
        // This node hears itself: its subscriptions work end to end (after a reconnection too).
        this.lastHeardSelf = performance.now();
        this.membership.emit("self", this.nodeId);
      }
    } else if (isRouteMessage(value)) {
      if (this.routing === null) this.counters.badMessages++;
      else this.routing.accept(value);
    } else {
      const message = parseResponse(value);
      if (message === undefined) this.counters.badMessages++;
      else this.onResponse(message);
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------------------

  override init(): void {
    this.heartbeat();
    this.refreshForeignNodes();
    this.heartbeatTimer = setInterval(() => {
      this.membership.sweep();
      this.onHeartbeat();
      this.heartbeat();
      this.refreshForeignNodes();
    }, this.clusterOptions.heartbeatInterval).unref();
  }

  private refreshForeignNodes(): void {
    this.countForeignNodes().then(
      (n) => {
        this.membership.foreignNodes = n;
      },
      () => {},
    );
  }

  override close(): void {
    if (this.closed) return;
    this.publishRequest({ uid: this.nodeId, type: ClusterMessageType.NODE_LEAVE }, ALL);
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    this.requests.closeAll();
    this.ackBroadcasts.clear();
    this.subscriptions.close();
    this.presenceSync.close();
    this.membership.clear();
    this.recoveryLog?.close();
    super.close();
  }

  /**
   * The node channel and directory of session routing (no sticky sessions), made on first call; `null`
   * when the `sessionRouting` option is `false`. The server calls it on its main namespace's adapter and
   * installs a session router over them.
   */
  sessionRouting(): ClusterSessionRouting | null {
    const option = this.clusterOptions.sessionRouting;
    if (option === false) return null;
    this.routing ??= new ClusterRouting(
      {
        nodeId: this.nodeId,
        membership: this.membership,
        sendTo: (node, message) =>
          this.publishOut(
            { kind: "response", message: message as unknown as ResponseMessage },
            { kind: "node", node },
          ),
        announce: () => this.heartbeat(),
      },
      option === "channel" ? null : option,
    );
    return this.routing;
  }

  newSocketId(): SocketId {
    return this.nodeId + newId();
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(this.membership.count);
  }

  // ---- rooms -------------------------------------------------------------------------------------------

  override addAll(id: SocketId, rooms: Iterable<Room>): Promise<void> | void {
    super.addAll(id, rooms);
    let waits: Promise<void>[] | undefined;
    for (const room of typeof rooms === "string" ? [rooms] : rooms) {
      const ready = this.subscriptions.ready(room);
      if (ready === undefined) continue;
      if (waits === undefined) waits = [ready];
      else waits.push(ready);
    }
    if (waits === undefined) return;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(noop);
  }

  // ---- broadcasts --------------------------------------------------------------------------------------

  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    if (this.recoveryLog?.takes(packet, opts) === true) return;
    if (opts.flags?.local !== true && !this.isLocalSocketTarget(opts)) {
      const message: BroadcastMessage = {
        uid: this.nodeId,
        packet: { type: packet.type, nsp: this.nsp.name, data: packet.data as unknown[] },
        opts: { ...wireTarget(opts), flags: opts.flags ?? {} },
      };
      this.publishOut({ kind: "broadcast", message }, this.routeFor(opts.rooms));
    }
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (opts.flags?.local !== true) {
      const requestId = randomBytes(9).toString("base64url");
      const timeout = opts.flags?.timeout ?? 0;
      this.ackBroadcasts.add(requestId, this.membership.nodes(), timeout, clientCountCallback, ack);
      this.publishRequest(
        {
          uid: this.nodeId,
          requestId,
          type: ClusterMessageType.BROADCAST,
          packet: { type: packet.type, nsp: this.nsp.name, data: packet.data as unknown[] },
          opts: { ...wireTarget(opts), flags: opts.flags ?? {} },
        },
        ALL,
      );
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  // ---- requests ----------------------------------------------------------------------------------------

  override async fetchSockets(opts: BroadcastOptions): Promise<Array<AdapterSocket | RemoteSocketDetails>> {
    const found: Array<AdapterSocket | RemoteSocketDetails> = await super.fetchSockets(opts);
    if (opts.flags?.local === true || this.isLocalSocketTarget(opts)) return found;
    return this.ask(
      opts.rooms,
      (response) => {
        for (const raw of response.sockets ?? []) {
          const details = parseSocketDetails(raw);
          if (details !== undefined) found.push(details);
        }
      },
      () => found,
      (requestId) => ({
        uid: this.nodeId,
        requestId,
        type: ClusterMessageType.REMOTE_FETCH,
        opts: wireTarget(opts),
      }),
    );
  }

  override async sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const ids = await super.sockets(rooms);
    return this.ask(
      rooms,
      (response) => {
        for (const id of response.sockets ?? []) if (typeof id === "string") ids.add(id);
      },
      () => ids,
      (requestId) => ({ uid: this.nodeId, requestId, type: ClusterMessageType.SOCKETS, rooms: [...rooms] }),
    );
  }

  /** Every room of every node (as socket.io's adapters offer). */
  allRooms(): Promise<Set<Room>> {
    const rooms = new Set<Room>(this.rooms.keys());
    return this.ask(
      NO_ROOMS,
      (response) => {
        for (const room of response.rooms ?? []) if (typeof room === "string") rooms.add(room);
      },
      () => rooms,
      (requestId) => ({ uid: this.nodeId, requestId, type: ClusterMessageType.ALL_ROOMS }),
    );
  }

  override addSockets(opts: BroadcastOptions, rooms: readonly Room[]): void {
    if (opts.flags?.local !== true && !this.isLocalSocketTarget(opts)) {
      // Until every member confirmed (subscribed), broadcasts to these rooms go to every node.
      for (const room of rooms) this.widened.set(room, (this.widened.get(room) ?? 0) + 1);
      const narrow = (): void => {
        for (const room of rooms) {
          const n = (this.widened.get(room) ?? 1) - 1;
          if (n === 0) this.widened.delete(room);
          else this.widened.set(room, n);
        }
      };
      const target = this.targetNode(opts.rooms);
      this.requests
        .start(
          {
            nodes: target === undefined ? this.membership.nodes() : [target],
            foreign: 0,
            onAnswer: noop,
            result: noop,
          },
          (requestId) =>
            this.publishRequest(
              {
                uid: this.nodeId,
                requestId,
                type: ClusterMessageType.REMOTE_JOIN,
                opts: wireTarget(opts),
                rooms,
              },
              this.requestRoute(target),
            ),
        )
        .then(narrow, narrow);
    }
    super.addSockets(opts, rooms);
  }

  override delSockets(opts: BroadcastOptions, rooms: readonly Room[]): void {
    if (opts.flags?.local !== true && !this.isLocalSocketTarget(opts)) {
      this.publishRequest(
        { uid: this.nodeId, type: ClusterMessageType.REMOTE_LEAVE, opts: wireTarget(opts), rooms },
        this.requestRoute(this.targetNode(opts.rooms)),
      );
    }
    super.delSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (opts.flags?.local !== true && !this.isLocalSocketTarget(opts)) {
      this.publishRequest(
        { uid: this.nodeId, type: ClusterMessageType.REMOTE_DISCONNECT, opts: wireTarget(opts), close },
        this.requestRoute(this.targetNode(opts.rooms)),
      );
    }
    super.disconnectSockets(opts, close);
  }

  override serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.publishRequest({ uid: this.nodeId, type: ClusterMessageType.SERVER_SIDE_EMIT, data: packet }, ALL);
      return;
    }
    const ack = last as (err: Error | null, responses: unknown[]) => void;
    const data = packet.slice(0, -1);
    const responses: unknown[] = [];
    this.requests
      .start(
        {
          nodes: this.membership.nodes(),
          foreign: this.membership.foreignNodes,
          onAnswer: (response) => responses.push(response.data),
          result: () => responses,
        },
        (requestId) =>
          this.publishRequest(
            { uid: this.nodeId, requestId, type: ClusterMessageType.SERVER_SIDE_EMIT, data },
            ALL,
          ),
      )
      .then(
        (all) => ack(null, all),
        (err: Error & { responses?: unknown[] }) => {
          err.responses = responses;
          ack(err, responses);
        },
      );
  }

  // ---- receiving ---------------------------------------------------------------------------------------

  private onBroadcast(message: BroadcastMessage): void {
    if (message.uid === this.nodeId) return;
    const { packet, opts } = message;
    if (packet.nsp !== this.nsp.name) {
      this.counters.badMessages++;
      return;
    }
    // A room channel may still deliver for a moment after the last member left (delayed unsubscribe).
    if (opts.rooms.length === 1 && !this.rooms.has(opts.rooms[0]!)) return;
    this.counters.received++;
    super.broadcast(
      { type: 2, nsp: this.nsp.name, data: packet.data },
      { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags ?? {} },
    );
  }

  private onRequest(message: RequestMessage): void {
    const type = message.type;
    if (type === ClusterMessageType.HEARTBEAT) {
      // A newcomer learns about this node at once instead of after a heartbeat interval.
      if (this.membership.touch(message.uid)) this.heartbeat(message.uid);
      this.routing?.heard(message.uid, message.address);
      return;
    }
    if (type === ClusterMessageType.NODE_LEAVE) {
      this.membership.remove(message.uid);
      return;
    }
    if (this.membership.has(message.uid)) this.membership.touch(message.uid);
    this.counters.received++;
    if (!(this.presenceSync.receive(message) ?? answerRequest(this.answerer, message)))
      this.counters.badMessages++;
  }

  private onResponse(response: ResponseMessage): void {
    if (this.ackBroadcasts.answer(response) || this.requests.answer(response)) this.counters.received++;
  }

  private onNodeDown(node: NodeId): void {
    this.requests.nodeDown(node);
    this.ackBroadcasts.nodeDown(node);
  }

  // ---- helpers -----------------------------------------------------------------------------------------

  private ask<T>(
    rooms: ReadonlySet<Room>,
    onAnswer: (response: ResponseMessage) => void,
    result: () => T,
    build: (requestId: string) => RequestMessage,
  ): Promise<T> {
    const target = this.targetNode(rooms);
    const spec: RequestSpec<T> =
      target === undefined
        ? { nodes: this.membership.nodes(), foreign: this.membership.foreignNodes, onAnswer, result }
        : { nodes: [target], foreign: 0, onAnswer, result };
    return this.requests.start(spec, (requestId) =>
      this.publishRequest(build(requestId), this.requestRoute(target)),
    );
  }

  private heartbeat(to?: NodeId): void {
    if (this.closed) return;
    const address = this.routing?.advertised;
    this.publishRequest(
      address === undefined
        ? { uid: this.nodeId, type: ClusterMessageType.HEARTBEAT }
        : { uid: this.nodeId, type: ClusterMessageType.HEARTBEAT, address },
      to === undefined ? ALL : { kind: "node", node: to },
    );
  }

  private publishRequest(message: RequestMessage, route: ClusterRoute): void {
    this.publishOut({ kind: "request", message }, route);
  }

  private publishOut(out: ClusterOutgoing, route: ClusterRoute): void {
    if (this.closed) return;
    this.counters.published++;
    this.publish(out, route);
  }

  /** True for a socket id this node hands out (the broker routes those to this node without a room subscription). */
  ownsSocketRoom(room: Room): boolean {
    return room.length === SOCKET_ID_LENGTH && room.startsWith(this.nodeId);
  }

  /** The live member a single-socket target lives on, if the target is one socket of another Plexus node. */
  private targetNode(rooms: ReadonlySet<Room>): NodeId | undefined {
    if (rooms.size !== 1) return undefined;
    const node = nodeOfSocketId(rooms.values().next().value as Room);
    return node !== undefined && this.membership.has(node) ? node : undefined;
  }

  private requestRoute(target: NodeId | undefined): ClusterRoute {
    return target === undefined ? ALL : { kind: "node", node: target };
  }

  private routeFor(rooms: ReadonlySet<Room>): ClusterRoute {
    if (rooms.size !== 1) return ALL;
    const room = rooms.values().next().value as Room;
    // A Plexus socket id names its node (even one not heard from yet: its id says where it lives).
    const node = nodeOfSocketId(room);
    if (node !== undefined) return { kind: "node", node, room };
    return this.widened.has(room) ? ALL : { kind: "room", room };
  }

  /** `io.to(socketId)` for a socket of this node: nothing to publish. */
  private isLocalSocketTarget(opts: BroadcastOptions): boolean {
    if (opts.rooms.size !== 1 || (opts.except !== undefined && opts.except.size > 0)) return false;
    const room = opts.rooms.values().next().value as Room;
    return this.ownsSocketRoom(room) && this.nsp.sockets.has(room);
  }
}

const ALL: ClusterRoute = { kind: "all" };
const NO_ROOMS: ReadonlySet<Room> = new Set();
function noop(): void {}

function wireTarget(opts: BroadcastOptions): WireTarget {
  return { rooms: [...opts.rooms], except: opts.except === undefined ? [] : [...opts.except] };
}
