/**
 * The part of `Server` that is the main namespace (`/`) by delegation: listeners, middleware and the
 * broadcast operators, as Socket.IO's `Server` forwards them to `io.sockets`.
 */
import type { EventEmitter } from "node:events";
import type { Room, SocketId } from "@plexus/adapter";
import type { BroadcastOperator, RemoteSocket } from "./broadcast-operator.js";
import type { Middleware, Namespace, ServerReservedEvents } from "./namespace.js";
import type { Presence, PresenceOptions } from "./presence.js";
import type {
  AckResult,
  ArgsWithoutAck,
  DecorateAcknowledgementsWithMultipleResponses,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  ListenerOf,
} from "./typed-events.js";

type Multi<E extends EventsMap> = DecorateAcknowledgementsWithMultipleResponses<E>;

export abstract class MainNamespaceDelegate<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> {
  /** The main namespace (`/`). */
  abstract readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

  /** Presence of a room of the main namespace (`io.of("/").presence(room)`). */
  presence(room: Room, options?: PresenceOptions): Presence {
    return this.sockets.presence(room, options);
  }

  /** Adds a connection middleware to the main namespace. */
  use(fn: Middleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  on<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<
      ServerSideEvents & ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Ev
    >,
  ): this {
    this.sockets.on(ev, listener);
    return this;
  }

  once<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<
      ServerSideEvents & ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Ev
    >,
  ): this {
    this.sockets.once(ev, listener);
    return this;
  }

  addListener<Ev extends string>(
    ev: Ev,
    listener: ListenerOf<
      ServerSideEvents & ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
      Ev
    >,
  ): this {
    return this.on(ev, listener);
  }

  off(ev: string, listener: Parameters<EventEmitter["off"]>[1]): this {
    this.sockets.off(ev, listener);
    return this;
  }

  removeListener(ev: string, listener: Parameters<EventEmitter["off"]>[1]): this {
    return this.off(ev, listener);
  }

  removeAllListeners(ev?: string): this {
    this.sockets.removeAllListeners(ev);
    return this;
  }

  listeners(ev: string): Function[] {
    return this.sockets.listeners(ev);
  }

  listenerCount(ev: string): number {
    return this.sockets.listenerCount(ev);
  }

  prependListener(ev: string, listener: Parameters<EventEmitter["prependListener"]>[1]): this {
    this.sockets.prependListener(ev, listener);
    return this;
  }

  prependOnceListener(ev: string, listener: Parameters<EventEmitter["prependOnceListener"]>[1]): this {
    this.sockets.prependOnceListener(ev, listener);
    return this;
  }

  rawListeners(ev: string): Function[] {
    return this.sockets.rawListeners(ev);
  }

  eventNames(): (string | symbol)[] {
    return this.sockets.eventNames();
  }

  setMaxListeners(n: number): this {
    this.sockets.setMaxListeners(n);
    return this;
  }

  getMaxListeners(): number {
    return this.sockets.getMaxListeners();
  }

  to(room: Room | readonly Room[]): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.to(room);
  }

  in(room: Room | readonly Room[]): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.in(room);
  }

  except(room: Room | readonly Room[]): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.except(room);
  }

  /** Emits to every socket of the main namespace. */
  emit<Ev extends EventNames<Multi<EmitEvents>>>(
    ev: Ev,
    ...args: EventParams<Multi<EmitEvents>, Ev>
  ): boolean {
    return this.sockets.emit(ev, ...args);
  }

  emitWithAck<Ev extends EventNamesWithAck<Multi<EmitEvents>>>(
    ev: Ev,
    ...args: ArgsWithoutAck<Multi<EmitEvents>, Ev>
  ): Promise<AckResult<Multi<EmitEvents>, Ev>> {
    return (
      this.sockets.emitWithAck as (
        ev: string,
        ...args: unknown[]
      ) => Promise<AckResult<Multi<EmitEvents>, Ev>>
    )(ev as string, ...args);
  }

  send(...args: EventParams<Multi<EmitEvents>, "message">): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: EventParams<Multi<EmitEvents>, "message">): this {
    return this.send(...args);
  }

  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<Multi<ServerSideEvents>, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: ArgsWithoutAck<ServerSideEvents, Ev>
  ): Promise<AckResult<ServerSideEvents, Ev>[]> {
    return (
      this.sockets.serverSideEmitWithAck as (
        ev: string,
        ...args: unknown[]
      ) => Promise<AckResult<ServerSideEvents, Ev>[]>
    )(ev as string, ...args);
  }

  /** @deprecated use {@link fetchSockets}. */
  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  compress(compress: boolean): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.compress(compress);
  }

  get volatile(): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.local;
  }

  timeout(timeout: number): BroadcastOperator<Multi<EmitEvents>, SocketData> {
    return this.sockets.timeout(timeout);
  }

  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room: Room | readonly Room[]): void {
    this.sockets.socketsJoin(room);
  }

  socketsLeave(room: Room | readonly Room[]): void {
    this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }
}
