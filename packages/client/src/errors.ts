/**
 * Errors the client hands to the application, each with a stable `code`. Messages match socket.io-client's,
 * since applications compare them (`err.message === "timeout"`).
 *
 * | code | message | when |
 * |---|---|---|
 * | `ERR_TRANSPORT` | `xhr poll error`, `xhr post error`, `websocket error`, `probe error` | a transport failed (`description` holds the cause or HTTP status, `context` the response) |
 * | `ERR_CONNECT_TIMEOUT` | `timeout` | the Manager's `timeout` elapsed before the engine opened |
 * | `ERR_ACK_TIMEOUT` | `operation has timed out` | no ack within `timeout(ms)` / `ackTimeout` |
 * | `ERR_SOCKET_DISCONNECTED` | `socket has been disconnected` | pending ack of a socket that disconnected |
 * | `ERR_CONNECT_REFUSED` | the server's message | the server refused the namespace (`connect_error`; `data` from the server) |
 * | `ERR_BAD_HANDSHAKE` | `invalid handshake` | the server's open packet or CONNECT reply is malformed |
 */
export const ClientErrorCodes = {
  TRANSPORT: "ERR_TRANSPORT",
  CONNECT_TIMEOUT: "ERR_CONNECT_TIMEOUT",
  ACK_TIMEOUT: "ERR_ACK_TIMEOUT",
  SOCKET_DISCONNECTED: "ERR_SOCKET_DISCONNECTED",
  CONNECT_REFUSED: "ERR_CONNECT_REFUSED",
  BAD_HANDSHAKE: "ERR_BAD_HANDSHAKE",
} as const;
export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];

export class ClientError extends Error {
  override readonly name = "ClientError";
  /** The server's `data` of a refused CONNECT, or the cause of a transport error. */
  data?: unknown;
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** For transport errors: the underlying error or the HTTP status (a number), as socket.io-client. */
    readonly description?: unknown,
    /** For transport errors: the failed request's response (`Response` in browsers, `IncomingMessage` in Node). */
    readonly context?: unknown,
  ) {
    super(message);
  }

  /** socket.io-client marks transport failures with `type: "TransportError"`; kept for compatibility. */
  get type(): string | undefined {
    return this.code === ClientErrorCodes.TRANSPORT ? "TransportError" : undefined;
  }
}
