/**
 * The one error class of the codecs. Every decoder failure carries a stable `code` from the table below,
 * so callers (engine, server, client) map it to a close reason without parsing messages.
 * Layer: protocol.
 */

/**
 * Stable codes of every `ProtocolError` (the table of README.md). Engine codes mean "close the session",
 * socket codes "close the engine connection" (PROTOCOL.md §A3, §B2).
 */
export const ProtocolErrorCodes = {
  /** Engine.IO: empty packet. */
  EIO_EMPTY_PACKET: "ERR_EIO_EMPTY_PACKET",
  /** Engine.IO: the type digit is not 0–6 (or `b` in a payload). */
  EIO_UNKNOWN_PACKET_TYPE: "ERR_EIO_UNKNOWN_PACKET_TYPE",
  /** Engine.IO: `b` record whose base64 text is malformed. */
  EIO_INVALID_BASE64: "ERR_EIO_INVALID_BASE64",
  /** Engine.IO: a polling payload holds more packets than the caller allows. */
  EIO_TOO_MANY_PACKETS: "ERR_EIO_TOO_MANY_PACKETS",
  /** Socket.IO: the type digit is not 0–6. */
  SIO_UNKNOWN_PACKET_TYPE: "ERR_SIO_UNKNOWN_PACKET_TYPE",
  /** Socket.IO: attachment count missing, not an integer, or no `-`. */
  SIO_ILLEGAL_ATTACHMENTS: "ERR_SIO_ILLEGAL_ATTACHMENTS",
  /** Socket.IO: more attachments than the decoder's limit. */
  SIO_TOO_MANY_ATTACHMENTS: "ERR_SIO_TOO_MANY_ATTACHMENTS",
  /** Socket.IO: the payload is not valid JSON. */
  SIO_INVALID_JSON: "ERR_SIO_INVALID_JSON",
  /** Socket.IO: the payload has the wrong shape for the packet type, or nests deeper than `maxDepth`. */
  SIO_INVALID_PAYLOAD: "ERR_SIO_INVALID_PAYLOAD",
  /** Socket.IO: an event uses a reserved name (`connect`, `disconnect`, ...). */
  SIO_RESERVED_EVENT: "ERR_SIO_RESERVED_EVENT",
  /** Socket.IO: a binary frame arrived with no binary packet waiting for attachments. */
  SIO_UNEXPECTED_BINARY: "ERR_SIO_UNEXPECTED_BINARY",
  /** Socket.IO: a text packet arrived while attachments of the previous packet were still expected. */
  SIO_UNEXPECTED_TEXT: "ERR_SIO_UNEXPECTED_TEXT",
  /** Socket.IO: ack id too long or not a safe integer. */
  SIO_INVALID_ACK_ID: "ERR_SIO_INVALID_ACK_ID",
  /** Socket.IO: placeholder refers to an attachment that does not exist. */
  SIO_INVALID_PLACEHOLDER: "ERR_SIO_INVALID_PLACEHOLDER",
  /** Socket.IO over msgpack: the bytes are not one well-formed MessagePack value of the supported types. */
  SIO_INVALID_MSGPACK: "ERR_SIO_INVALID_MSGPACK",
  /** Custom parser: a decoded packet is not `{type, nsp, id?, data?}` with valid fields. */
  SIO_INVALID_PACKET: "ERR_SIO_INVALID_PACKET",
} as const;
/** One of the `ProtocolErrorCodes` values. */
export type ProtocolErrorCode = (typeof ProtocolErrorCodes)[keyof typeof ProtocolErrorCodes];

/**
 * Thrown by the decoders of this package, and only by them, for malformed input. Decoders throw nothing
 * else for any input (fuzz-tested), so `err instanceof ProtocolError` separates bad peers from bugs.
 *
 * @example
 * ```ts
 * try {
 *   decoder.add(message);
 * } catch (err) {
 *   if (err instanceof ProtocolError) closeConnection(err.code); // e.g. "ERR_SIO_RESERVED_EVENT"
 *   else throw err;
 * }
 * ```
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
