/**
 * A namespace: a set of sockets multiplexed over engine connections, with its middlewares and its
 * adapter (rooms, broadcasts). PROTOCOL.md §B3.
 */

import { EventEmitter } from "node:events";
import type {
  Adapter,
  AdapterNamespace,
  BroadcastFlags,
  RecoveryOptions,
  RestoredSession,
  Room,
  SocketId,
} from "@plexus/adapter";
import { RESERVED_EVENTS, type SocketPacket } from "@plexus/protocol";
import createDebug from "debug";
import { buildAdapter, reportRejection } from "./adapter-factory.js";
import { BroadcastOperator, broadcastEvent, type RemoteSocket } from "./broadcast-operator.js";
import type { Client, ServerPreparedPacket } from "./client.js";
import { type Presence, type PresenceOptions, presenceOf } from "./presence.js";
import type { Server } from "./server.js";
import { reservedEventError, type ServerError } from "./server-error.js";
import { Socket } from "./socket.js";
import { nextFreeAckId, reserveAckIds } from "./socket-io-adapter-support.js";
import type {
  AckResult,
  ArgsWithoutAck,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ListenerOf,
} from "./typed-events.js";

/** Sockets joining and leaving the namespace, middleware refusals (`DEBUG=plexus:namespace`). */
const debug = createDebug("plexus:namespace");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

/** An error a middleware passes to `next` to refuse a connection; `data` reaches the client. */
export interface ExtendedError extends Error {
  data?: unknown;
}

/** Connection middleware (`io.use`, `nsp.use`). */
// biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
export type Middleware<L extends EventsMap, E extends EventsMap, S extends EventsMap, D = any> = (
  socket: Socket<L, E, S, D>,
  next: (err?: ExtendedError) => void,
) => void;

/** Events a namespace emits by itself. */
export interface NamespaceReservedEvents<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
  D = any,
> {
  connect: (socket: Socket<L, E, S, D>) => void;
  connection: (socket: Socket<L, E, S, D>) => void;
}

/** The main namespace also tells about dynamically created ones. */
// biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
export interface ServerReservedEvents<L extends EventsMap, E extends EventsMap, S extends EventsMap, D = any>
  extends NamespaceReservedEvents<L, E, S, D> {
  new_namespace: (namespace: Namespace<L, E, S, D>) => void;
}

type Multi<E extends EventsMap> = DecorateAcknowledgementsWithMultipleResponses<E>;

const emitLocal = EventEmitter.prototype.emit;
const NO_ROOMS: ReadonlySet<Room> = new Set();
const NO_FLAGS: BroadcastFlags = Object.freeze({});
/** Engine prepare options, shared by every broadcast (no record per emit). */
const PREPARE_COMPRESS = Object.freeze({ compress: true });
const PREPARE_NO_COMPRESS = Object.freeze({ compress: false });

/**
 * @example
 * const admin = io.of("/admin");
 * admin.use((socket, next) => (socket.handshake.auth.token ? next() : next(new Error("unauthorized"))));
 * admin.on("connection", (socket) => admin.emit("joined", socket.id));
 */
export class Namespace<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = DefaultEventsMap,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    // biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
    SocketData = any,
  >
  extends EventEmitter
  implements AdapterNamespace<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>
{
  readonly name: string;
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** Connected sockets of this namespace (this node). */
  readonly sockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  adapter!: Adapter;
  /** @internal */ _fns: Middleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] = [];
  /** @internal Set on children of a dynamic (parent) namespace. */
  _onEmpty: ((nsp: Namespace) => void) | undefined;

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, name: string) {
    super();
    this.server = server;
    this.name = name;
    this._initAdapter();
  }

  /**
   * @internal Builds the adapter from the server's `adapter` option. When `io.adapter(v)` replaces it while
   * sockets are connected, they keep their rooms in the new one and the old one is closed.
   */
  _initAdapter(): void {
    const previous = this.adapter as Adapter | undefined;
    const adapter = buildAdapter(this.server._adapterFactory, this as unknown as AdapterNamespace);
    this.adapter = adapter;
    reportRejection(adapter.init(), `init (namespace ${this.name})`);
    if (previous === undefined) return;
    for (const id of this.sockets.keys()) {
      const rooms = previous.socketRooms(id);
      if (rooms !== undefined) reportRejection(adapter.addAll(id, [...rooms]), "addAll");
    }
    reportRejection(previous.close(), `close (namespace ${this.name})`);
  }

  /** Set when connection state recovery is on (AdapterNamespace). */
  get recovery(): RecoveryOptions | undefined {
    return this.server._recovery;
  }

  /** @internal Encodes once, frames once (AdapterNamespace). */
  prepare(packet: SocketPacket, flags: BroadcastFlags | undefined): ServerPreparedPacket {
    const parts = this.server._codec.encode(packet);
    const options = flags?.compress === false ? PREPARE_NO_COMPRESS : PREPARE_COMPRESS;
    return { packet, engine: this.server.engine.prepare(parts, options) };
  }

  /** @internal A server-side event reached this node (AdapterNamespace). */
  onServerSideEmit(args: unknown[]): void {
    emitLocal.apply(this, args as [string, ...unknown[]]);
  }

  /** @internal The same, under the name `socket.io-adapter`'s cluster adapters call. */
  _onServerSideEmit(args: unknown[]): void {
    emitLocal.apply(this, args as [string, ...unknown[]]);
  }

  /**
   * @internal The namespace-wide ack id counter `socket.io-adapter` takes broadcast ack ids from
   * (`nsp._ids++`): reading gives an id no local socket uses, writing moves every socket's own numbering
   * past it (socket-io-adapter-support.ts).
   */
  get _ids(): number {
    return nextFreeAckId(this.sockets);
  }

  set _ids(next: number) {
    reserveAckIds(this.sockets, next);
  }

  // ---- typed listeners -----------------------------------------------------------------------------

  override on<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<
      ServerSideEvents & ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Ev
    >,
  ): this {
    return super.on(ev, listener);
  }

  override once<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<
      ServerSideEvents & ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Ev
    >,
  ): this {
    return super.once(ev, listener);
  }

  /** Adds a connection middleware. */
  use(fn: Middleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this._fns.push(fn);
    return this;
  }

  // ---- broadcast operators -----------------------------------------------------------------------------

  private operator(): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return new BroadcastOperator(this.adapter);
  }

  to(room: Room | readonly Room[]): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().to(room);
  }

  in(room: Room | readonly Room[]): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().to(room);
  }

  except(room: Room | readonly Room[]): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().except(room);
  }

  /** Emits to every socket of the namespace. */
  override emit<Ev extends EventNames<Multi<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<Multi<EmitEvents>, Ev>
  ): boolean {
    // No operator object for the most common broadcast.
    return broadcastEvent(this.adapter, NO_ROOMS, NO_ROOMS, NO_FLAGS, ev as string, args);
  }

  emitWithAck<Ev extends EventNamesWithAck<Multi<EmitEvents>>>(
    ev: Ev,
    ...args: ArgsWithoutAck<Multi<EmitEvents>, Ev>
  ): Promise<AckResult<Multi<EmitEvents>, Ev>> {
    return (
      this.operator().emitWithAck as (
        ev: string,
        ...args: unknown[]
      ) => Promise<AckResult<Multi<EmitEvents>, Ev>>
    )(ev as string, ...args);
  }

  send(...args: EventParams<Multi<EmitEvents>, "message">): this {
    (this.operator().emit as (ev: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  write(...args: EventParams<Multi<EmitEvents>, "message">): this {
    return this.send(...args);
  }

  /** Emits to the namespace listeners of the other nodes; a trailing callback gets `(err, responses)`. */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    const name = ev as string;
    if (RESERVED_EVENTS.has(name)) throw reservedEventError(name);
    this.adapter.serverSideEmit([name, ...args]);
    return true;
  }

  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: ArgsWithoutAck<ServerSideEvents, Ev>
  ): Promise<AckResult<ServerSideEvents, Ev>[]> {
    return new Promise((resolve, reject) => {
      const ack = (err: ServerError | null, responses: unknown[]): void => {
        if (err !== null) {
          err.responses = responses;
          reject(err);
        } else resolve(responses as AckResult<ServerSideEvents, Ev>[]);
      };
      this.adapter.serverSideEmit([ev as string, ...args, ack]);
    });
  }

  /** @deprecated use {@link fetchSockets}. */
  allSockets(): Promise<Set<SocketId>> {
    return this.operator().allSockets();
  }

  compress(compress: boolean): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().compress(compress);
  }

  get volatile(): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().volatile;
  }

  get local(): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().local;
  }

  timeout(timeout: number): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.operator().timeout(timeout);
  }

  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.operator().fetchSockets() as unknown as Promise<RemoteSocket<EmitEvents, SocketData>[]>;
  }

  socketsJoin(room: Room | readonly Room[]): void {
    this.operator().socketsJoin(room);
  }

  socketsLeave(room: Room | readonly Room[]): void {
    this.operator().socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.operator().disconnectSockets(close);
  }

  /**
   * Who is in `room` across the cluster (presence.ts): the same object for a room each time; `options`
   * are read on the first call.
   */
  presence(room: Room, options?: PresenceOptions): Presence {
    return presenceOf(this as unknown as Namespace, room, options);
  }

  // ---- joining ----------------------------------------------------------------------------------------

  /**
   * @internal A client asked to join (CONNECT). With recovery on and a `pid` (and `offset`) in the auth,
   * the adapter may give the old session back (PROTOCOL.md §B5).
   */
  _add(client: Client, auth: Record<string, unknown> | undefined): void {
    if (DEBUG) debug("%s: adding a socket for connection %s", this.name, client.id);
    if (
      this.recovery !== undefined &&
      auth !== undefined &&
      typeof auth.pid === "string" &&
      (typeof auth.offset === "string" || auth.offset === undefined)
    ) {
      let found: ReturnType<Adapter["restoreSession"]>;
      try {
        // No offset: the client got no packet before it lost the connection (the adapter's contract).
        found = this.adapter.restoreSession(auth.pid, auth.offset ?? "");
      } catch {
        found = null;
      }
      if (found !== null && typeof (found as Promise<unknown>).then === "function") {
        (found as Promise<RestoredSession | null>).then(
          (session) => this.admitRecovering(client, auth, session),
          () => this.admitRecovering(client, auth, null),
        );
        return;
      }
      this.admitRecovering(client, auth, found as RestoredSession | null);
      return;
    }
    this.admit(client, auth, null);
  }

  /** A recovery attempt ended (counted when stats are on); the socket joins, recovered or fresh. */
  private admitRecovering(
    client: Client,
    auth: Record<string, unknown> | undefined,
    session: RestoredSession | null,
  ): void {
    const stats = this.server._stats;
    if (stats !== null) {
      const counters = stats.of(this);
      if (session === null) counters.recoveryMisses++;
      else counters.recoveryHits++;
    }
    this.admit(client, auth, session);
  }

  private admit(
    client: Client,
    auth: Record<string, unknown> | undefined,
    session: RestoredSession | null,
  ): void {
    if (!client.open) return;
    const socket = new Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
      this,
      client,
      auth,
      session,
    );
    if (this._fns.length === 0 || (session !== null && this.server._skipMiddlewares)) {
      this.doConnect(client, socket);
      return;
    }
    const fns = this._fns.slice();
    const finish = (err: ExtendedError | undefined): void => {
      process.nextTick(() => {
        if (!client.open) {
          socket._cleanup();
          return;
        }
        if (err !== undefined) {
          if (this.server._stats !== null) this.server._stats.of(this).refused++;
          socket._cleanup();
          let data: unknown;
          // Protocol 4 (v2 clients) carries the error's data, or its message, as the packet's data.
          if (client.conn.protocol === 3) data = err.data || err.message;
          else
            data =
              err.data === undefined ? { message: err.message } : { message: err.message, data: err.data };
          if (DEBUG)
            debug("%s: connection %s refused by a middleware: %s", this.name, client.id, err.message);
          client._connectError(this.name, data);
          return;
        }
        this.doConnect(client, socket);
      });
    };
    const step = (i: number): void => {
      const fn = fns[i]!;
      let called = false;
      fn(socket, (err) => {
        if (called) return;
        called = true;
        if (err !== undefined && err !== null) finish(err);
        else if (i + 1 < fns.length) step(i + 1);
        else finish(undefined);
      });
    };
    step(0);
  }

  private doConnect(
    client: Client,
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  ): void {
    if (DEBUG) debug("%s: socket %s connected", this.name, socket.id);
    this.sockets.set(socket.id, socket);
    if (this.server._stats !== null) this.server._stats.of(this).connections++;
    client._add(this.name, socket as unknown as Socket);
    // Internal state first, so user handlers see a complete socket (and may disconnect it at once).
    socket._onconnect();
    emitLocal.call(this, "connect", socket);
    emitLocal.call(this, "connection", socket);
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    if (DEBUG) debug("%s: socket %s removed", this.name, socket.id);
    if (this.sockets.get(socket.id) === socket) this.sockets.delete(socket.id);
    // Also for a socket that never joined (refused by a middleware, or its client left first): a child
    // namespace created for it is empty then, and removed as socket.io does.
    if (this.sockets.size === 0 && this._onEmpty !== undefined) this._onEmpty(this as unknown as Namespace);
  }
}
