/**
 * Wire constants of Engine.IO v4 and Socket.IO v5, defined once for every Plexus package.
 * Layer: protocol (pure, isomorphic). See PROTOCOL.md §A3, §A9, §B1.
 */

/** Engine.IO protocol revision spoken by Plexus (the `EIO` query parameter). */
export const ENGINE_PROTOCOL = 4;
/** Socket.IO protocol revision spoken by Plexus. */
export const SOCKET_PROTOCOL = 5;

/** Engine.IO packet type names, indexed by their wire digit (PROTOCOL.md §A3). */
export const ENGINE_PACKET_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"] as const;
/** Name of an Engine.IO packet type: `"open"` … `"noop"`. */
export type EnginePacketType = (typeof ENGINE_PACKET_TYPES)[number];

/** Wire digit of each Engine.IO packet type. */
export const ENGINE_PACKET_CODES: { readonly [K in EnginePacketType]: string } = {
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
};

/** Record separator between packets of a polling payload (PROTOCOL.md §A3). */
export const RECORD_SEPARATOR = "\x1e";

/** Socket.IO packet types (PROTOCOL.md §B1). */
export const SocketPacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;
/** A Socket.IO packet type id, 0–6. */
export type SocketPacketType = (typeof SocketPacketType)[keyof typeof SocketPacketType];

/** Event names an application may not emit or receive (PROTOCOL.md §B2). */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/**
 * HTTP error answers of the engine (PROTOCOL.md §A9). `code` and `message` are the JSON body;
 * `status` the HTTP status. Upgrade requests get the same message as a `text/html` 400 body.
 */
export const EngineErrors = {
  UNKNOWN_TRANSPORT: { code: 0, message: "Transport unknown", status: 400 },
  UNKNOWN_SID: { code: 1, message: "Session ID unknown", status: 400 },
  BAD_HANDSHAKE_METHOD: { code: 2, message: "Bad handshake method", status: 400 },
  BAD_REQUEST: { code: 3, message: "Bad request", status: 400 },
  FORBIDDEN: { code: 4, message: "Forbidden", status: 403 },
  UNSUPPORTED_PROTOCOL_VERSION: { code: 5, message: "Unsupported protocol version", status: 400 },
} as const;
/** Key of an `EngineErrors` entry. */
export type EngineErrorName = keyof typeof EngineErrors;
/** The JSON `code` of an engine HTTP error answer, 0–5. */
export type EngineErrorCode = (typeof EngineErrors)[EngineErrorName]["code"];

/** Reasons an engine session closes with (the `close` event of an engine socket). */
export const EngineCloseReasons = {
  PING_TIMEOUT: "ping timeout",
  TRANSPORT_CLOSE: "transport close",
  TRANSPORT_ERROR: "transport error",
  PARSE_ERROR: "parse error",
  FORCED_CLOSE: "forced close",
  SERVER_SHUTTING_DOWN: "server shutting down",
  FORCED_SERVER_CLOSE: "forced server close",
  /** Plexus: the session's outbound buffer passed `maxOutboundBytes` (the peer reads too slowly). */
  SLOW_CONSUMER: "slow consumer",
} as const;
/** One of the `EngineCloseReasons` values. */
export type EngineCloseReason = (typeof EngineCloseReasons)[keyof typeof EngineCloseReasons];

/** Reasons a Socket.IO socket disconnects with, as Socket.IO v4 names them (server and client side). */
export const DisconnectReasons = {
  TRANSPORT_ERROR: "transport error",
  TRANSPORT_CLOSE: "transport close",
  FORCED_CLOSE: "forced close",
  PING_TIMEOUT: "ping timeout",
  PARSE_ERROR: "parse error",
  SERVER_SHUTTING_DOWN: "server shutting down",
  FORCED_SERVER_CLOSE: "forced server close",
  CLIENT_NAMESPACE_DISCONNECT: "client namespace disconnect",
  SERVER_NAMESPACE_DISCONNECT: "server namespace disconnect",
  IO_SERVER_DISCONNECT: "io server disconnect",
  IO_CLIENT_DISCONNECT: "io client disconnect",
  SLOW_CONSUMER: "slow consumer",
} as const;
/** One of the `DisconnectReasons` values. */
export type DisconnectReason = (typeof DisconnectReasons)[keyof typeof DisconnectReasons];

/** Default limit on binary attachments per Socket.IO packet (the official parser's `maxAttachments`). */
export const DEFAULT_MAX_ATTACHMENTS = 10;

/** Message of the CONNECT_ERROR answering a CONNECT to an unknown namespace (PROTOCOL.md §B3). */
export const INVALID_NAMESPACE_MESSAGE = "Invalid namespace";
