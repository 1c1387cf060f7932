/**
 * The one error class of the WebSocket transport (RFC 6455). Every failure carries a stable `code`
 * and, when it ends an open connection, the close code sent to the peer (`closeCode`).
 * Layer: engine (transport).
 *
 * | code                         | closeCode | when                                                              |
 * |------------------------------|-----------|-------------------------------------------------------------------|
 * | ERR_WS_BAD_METHOD            | –         | upgrade request is not `GET` (RFC 6455 §4.2.1 step 1)             |
 * | ERR_WS_BAD_UPGRADE_HEADER    | –         | `Upgrade` header missing or not `websocket` (§4.2.1 step 3)       |
 * | ERR_WS_BAD_CONNECTION_HEADER | –         | `Connection` header does not list `upgrade` (§4.2.1 step 4)       |
 * | ERR_WS_BAD_VERSION           | –         | `Sec-WebSocket-Version` is neither `13` nor `8` (§4.2.1 step 6)  |
 * | ERR_WS_BAD_KEY               | –         | `Sec-WebSocket-Key` missing or not 16 bytes of base64 (step 5)    |
 * | ERR_WS_BAD_EXTENSIONS        | –         | `Sec-WebSocket-Extensions` cannot be parsed (RFC 7692 §5)         |
 * | ERR_WS_BAD_HEADER_LINE       | –         | an extra response header line holds CR/LF or no `name: value`     |
 * | ERR_WS_UNMASKED_FRAME        | 1002      | a client frame without the MASK bit (§5.1)                        |
 * | ERR_WS_RESERVED_BITS         | 1002      | RSV1/2/3 set without a negotiated extension (§5.2)                |
 * | ERR_WS_INVALID_OPCODE        | 1002      | reserved opcode 3–7 or 0xB–0xF (§5.2)                             |
 * | ERR_WS_UNEXPECTED_CONTINUATION | 1002    | continuation frame with no fragmented message in progress (§5.4) |
 * | ERR_WS_EXPECTED_CONTINUATION | 1002      | new data frame while a fragmented message is in progress (§5.4)   |
 * | ERR_WS_BAD_CONTROL_FRAME     | 1002      | fragmented control frame or control payload > 125 bytes (§5.5)    |
 * | ERR_WS_BAD_CLOSE_FRAME       | 1002      | close payload of 1 byte or an invalid close code (§5.5.1, §7.4)   |
 * | ERR_WS_INVALID_UTF8          | 1007      | text message or close reason is not valid UTF-8 (§8.1)            |
 * | ERR_WS_INFLATE_FAILED        | 1007      | a permessage-deflate message does not inflate (RFC 7692 §7.2.2)   |
 * | ERR_WS_PAYLOAD_TOO_BIG       | 1009      | message (all fragments, or inflated) > `maxPayload` (PROTOCOL §A5)|
 * | ERR_WS_SOCKET_ERROR          | –         | the TCP socket reported an error (`cause` holds it)               |
 */

export const WebSocketErrorCodes = {
  BAD_METHOD: "ERR_WS_BAD_METHOD",
  BAD_UPGRADE_HEADER: "ERR_WS_BAD_UPGRADE_HEADER",
  BAD_CONNECTION_HEADER: "ERR_WS_BAD_CONNECTION_HEADER",
  BAD_VERSION: "ERR_WS_BAD_VERSION",
  BAD_KEY: "ERR_WS_BAD_KEY",
  BAD_EXTENSIONS: "ERR_WS_BAD_EXTENSIONS",
  BAD_HEADER_LINE: "ERR_WS_BAD_HEADER_LINE",
  UNMASKED_FRAME: "ERR_WS_UNMASKED_FRAME",
  RESERVED_BITS: "ERR_WS_RESERVED_BITS",
  INVALID_OPCODE: "ERR_WS_INVALID_OPCODE",
  UNEXPECTED_CONTINUATION: "ERR_WS_UNEXPECTED_CONTINUATION",
  EXPECTED_CONTINUATION: "ERR_WS_EXPECTED_CONTINUATION",
  BAD_CONTROL_FRAME: "ERR_WS_BAD_CONTROL_FRAME",
  BAD_CLOSE_FRAME: "ERR_WS_BAD_CLOSE_FRAME",
  INVALID_UTF8: "ERR_WS_INVALID_UTF8",
  INFLATE_FAILED: "ERR_WS_INFLATE_FAILED",
  PAYLOAD_TOO_BIG: "ERR_WS_PAYLOAD_TOO_BIG",
  SOCKET_ERROR: "ERR_WS_SOCKET_ERROR",
} as const;
export type WebSocketErrorCode = (typeof WebSocketErrorCodes)[keyof typeof WebSocketErrorCodes];

/** Close status codes of RFC 6455 §7.4.1 used by this module. */
export const CloseCodes = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Never on the wire: the close frame carried no code. */
  NO_STATUS: 1005,
  /** Never on the wire: the connection ended without a close frame. */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const;

export class WebSocketError extends Error {
  override readonly name = "WebSocketError";
  readonly code: WebSocketErrorCode;
  /** Close code sent to the peer for frame-level errors; 0 for handshake and socket errors. */
  readonly closeCode: number;
  constructor(code: WebSocketErrorCode, message: string, closeCode = 0, options?: { cause: unknown }) {
    super(message, options);
    this.code = code;
    this.closeCode = closeCode;
  }
}
