/**
 * Which RFC 6455 close code (§7.4.1) a WebSocket session's close frame carries, for every way the engine
 * ends a session. The Engine.IO close reasons (`close` event) are those of engine.io; the close frame tells
 * a client that logs close codes what happened without reading our reasons.
 * Layer: engine.
 *
 * | engine close reason / cause                        | close code | why                                      |
 * |----------------------------------------------------|------------|------------------------------------------|
 * | "parse error" (an Engine.IO packet did not decode)  | 1002       | protocol error                           |
 * | "transport error" (e.g. a ping from an EIO4 client) | 1002       | protocol error                           |
 * | Socket.IO decoder: bad packet type, attachments,    | 1002       | the packet's structure breaks the        |
 * |   ack id, binary/text out of sequence               |            | protocol                                 |
 * | Socket.IO decoder: bad JSON, wrong payload shape,   | 1007       | the message's data is not consistent     |
 * |   nesting past the limit, reserved event, bad       |            | with its type (invalid payload data)     |
 * |   placeholder, bad base64                           |            |                                          |
 * | message above `maxHttpBufferSize`                   | 1009       | sent by the WebSocket layer itself       |
 * | "slow consumer" (`maxOutboundBytes` passed)         | 1008       | policy violation: see below              |
 * | "server shutting down" (`engine.close()`)           | 1001       | going away                               |
 * | anything else (server `close()`, ping timeout, …)   | 1000       | normal closure                           |
 *
 * A slow consumer gets 1008 ("policy violation"), not 1013 ("try again later"): 1013 says the *server* is
 * overloaded and invites the same client to retry as is, while here one connection broke the server's
 * per-connection policy on unread output — the server is fine, and a client that reconnects and keeps up
 * is welcome. The close frame goes after the bytes already handed to the socket (never after the
 * session's discarded backlog), and the TCP connection is destroyed `closeTimeout` later at the latest.
 */
import { EngineCloseReasons, type ProtocolErrorCode, ProtocolErrorCodes } from "@plexus/protocol";
import { CloseCodes } from "./websocket/websocket-error.js";

/** Close code of a session ended by the engine with `reason`. */
export function closeCodeForReason(reason: string): number {
  switch (reason) {
    case EngineCloseReasons.PARSE_ERROR:
    case EngineCloseReasons.TRANSPORT_ERROR:
      return CloseCodes.PROTOCOL_ERROR;
    case EngineCloseReasons.SLOW_CONSUMER:
      return CloseCodes.POLICY_VIOLATION;
    case EngineCloseReasons.SERVER_SHUTTING_DOWN:
      return CloseCodes.GOING_AWAY;
    default:
      return CloseCodes.NORMAL;
  }
}

const INVALID_PAYLOAD: ReadonlySet<string> = new Set<ProtocolErrorCode>([
  ProtocolErrorCodes.SIO_INVALID_JSON,
  ProtocolErrorCodes.SIO_INVALID_PAYLOAD,
  ProtocolErrorCodes.SIO_RESERVED_EVENT,
  ProtocolErrorCodes.SIO_INVALID_PLACEHOLDER,
  ProtocolErrorCodes.EIO_INVALID_BASE64,
]);

/**
 * Close code for input the layer above could not decode: 1007 when the data of a well-formed packet is
 * wrong, 1002 for any other decoder error code (or an error without one).
 */
export function closeCodeForDecodeError(error: unknown): number {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && INVALID_PAYLOAD.has(code)
    ? CloseCodes.INVALID_PAYLOAD
    : CloseCodes.PROTOCOL_ERROR;
}
