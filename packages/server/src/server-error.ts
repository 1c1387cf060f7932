/**
 * The errors the server API hands to user code, each with a stable `code`. Messages are Socket.IO's own
 * where applications may match them (`"operation has timed out"`).
 *
 * | code | when |
 * |---|---|
 * | `ERR_ACK_TIMEOUT` | an acknowledgement did not arrive within `timeout(ms)` (`err.responses` holds the ones that did, for broadcasts) |
 * | `ERR_RESERVED_EVENT` | `emit` of a reserved name (`connect`, `disconnect`, ...) |
 * | `ERR_INVALID_ARGUMENT` | an API misuse (`attach` given a request handler, a stateful RegExp namespace, ...) |
 * | `ERR_UNSUPPORTED` | an operation the target does not support (`fetchSockets` on a parent namespace) |
 * | `ERR_EVENT_RATE_LIMITED` | an event from the client was dropped: the socket passed `maxEventsPerSecond` (its `error` event) |
 */
export const ServerErrorCodes = {
  ACK_TIMEOUT: "ERR_ACK_TIMEOUT",
  RESERVED_EVENT: "ERR_RESERVED_EVENT",
  INVALID_ARGUMENT: "ERR_INVALID_ARGUMENT",
  UNSUPPORTED: "ERR_UNSUPPORTED",
  EVENT_RATE_LIMITED: "ERR_EVENT_RATE_LIMITED",
} as const;
export type ServerErrorCode = (typeof ServerErrorCodes)[keyof typeof ServerErrorCodes];

export class ServerError extends Error {
  override readonly name = "ServerError";
  readonly code: ServerErrorCode;
  /** Broadcast acks: the responses received before the timeout. */
  responses?: unknown[];
  constructor(code: ServerErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function ackTimeoutError(): ServerError {
  return new ServerError(ServerErrorCodes.ACK_TIMEOUT, "operation has timed out");
}

export function reservedEventError(name: string): ServerError {
  return new ServerError(ServerErrorCodes.RESERVED_EVENT, `"${name}" is a reserved event name`);
}

export function eventRateLimitedError(limit: number): ServerError {
  return new ServerError(
    ServerErrorCodes.EVENT_RATE_LIMITED,
    `event dropped: over ${limit} events per second`,
  );
}
