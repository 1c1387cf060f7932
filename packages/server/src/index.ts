/**
 * @plexus/server — a Socket.IO v4 server (drop-in for `socket.io`'s `Server`) on `@plexus/engine`.
 */

export type { Adapter, AdapterStats, BroadcastOptions, Room, SocketId } from "@plexus/adapter";
export {
  type PresenceDiff,
  PresenceError,
  type PresenceErrorCode,
  PresenceErrorCodes,
  type PresenceMeta,
  type PresenceState,
} from "@plexus/adapter";
export type { DisconnectReason } from "@plexus/protocol";
export { msgpackParser, type Parser, type ParserDecoder, type ParserEncoder } from "@plexus/protocol";
export type { AdapterFactory, AdapterFunction } from "./adapter-factory.js";
export { BroadcastOperator, RemoteSocket } from "./broadcast-operator.js";
export type { Client } from "./client.js";
export type { Handshake } from "./handshake.js";
export {
  type ExtendedError,
  type Middleware,
  Namespace,
  type NamespaceReservedEvents,
  type ServerReservedEvents,
} from "./namespace.js";
export type { Event, PacketMiddleware } from "./packet-middleware.js";
export { ParentNamespace } from "./parent-namespace.js";
export { PRESENCE_DEFAULTS, Presence, type PresenceEvents, type PresenceOptions } from "./presence.js";
export {
  type AttachableServer,
  type ConnectionStateRecoveryOptions,
  type ParentNspNameMatchFn,
  Server,
  type ServerOptions,
} from "./server.js";
export { ServerError, type ServerErrorCode, ServerErrorCodes } from "./server-error.js";
export {
  type NamespaceCounters,
  type NamespaceLabel,
  ServerStats,
  type ServerStatsOptions,
} from "./server-stats.js";
export { Socket, type SocketReservedEvents } from "./socket.js";

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
