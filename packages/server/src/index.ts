/**
 * @plexus/server — a Socket.IO v4 server (drop-in for `socket.io`'s `Server`) on `@plexus/engine`.
 */
export {
  Server,
  type ServerOptions,
  type ConnectionStateRecoveryOptions,
  type ParentNspNameMatchFn,
} from "./server.js";
export {
  Namespace,
  type ExtendedError,
  type Middleware,
  type NamespaceReservedEvents,
  type ServerReservedEvents,
} from "./namespace.js";
export { ParentNamespace } from "./parent-namespace.js";
export { Socket, type SocketReservedEvents, type PacketMiddleware } from "./socket.js";
export { BroadcastOperator, RemoteSocket } from "./broadcast-operator.js";
export type { Handshake } from "./handshake.js";
export { ServerError, ServerErrorCodes, type ServerErrorCode } from "./server-error.js";
export type { Client } from "./client.js";
export type {
  AckResult,
  AllButLast,
  AnyListener,
  ArgsWithoutAck,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventNamesWithoutAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
} from "./typed-events.js";
export type { DisconnectReason } from "@plexus/protocol";
export type { Adapter, BroadcastOptions, Room, SocketId } from "@plexus/adapter";
