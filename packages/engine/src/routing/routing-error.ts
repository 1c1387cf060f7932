/**
 * The one error class of session routing (no sticky sessions, README "No sticky sessions"): every failure
 * carries a stable `code`. Failures to reach a session's owner never reach the client as such: the client
 * gets the normal `400 {"code":1,"message":"Session ID unknown"}` and reconnects; the `connection_error`
 * event's context names the routing code.
 * Layer: engine.
 */

/** Stable codes of every {@link RoutingError}. */
export const RoutingErrorCodes = {
  /** A `nodeId` option or a router's node id is not 1–64 characters of `A-Z a-z 0-9 _ -`. */
  INVALID_NODE_ID: "ERR_ROUTING_INVALID_NODE_ID",
  /** The engine was given a `nodeId` and a router naming another node id. */
  NODE_ID_MISMATCH: "ERR_ROUTING_NODE_ID_MISMATCH",
  /** A router was attached to a second engine. */
  ALREADY_ATTACHED: "ERR_ROUTING_ALREADY_ATTACHED",
  /** The owner is not a known member, or could not be reached (connection refused, channel refused). */
  OWNER_UNREACHABLE: "ERR_ROUTING_OWNER_UNREACHABLE",
  /** The owner did not answer within the router's `timeout`. */
  OWNER_TIMEOUT: "ERR_ROUTING_OWNER_TIMEOUT",
  /** The owner left (membership) or its connection closed before it answered. */
  OWNER_GONE: "ERR_ROUTING_OWNER_GONE",
  /** A message on the channel could not be decoded (dropped and counted). */
  BAD_MESSAGE: "ERR_ROUTING_BAD_MESSAGE",
  /** A request on the internal listener lacked the shared secret (answered 403). */
  FORBIDDEN: "ERR_ROUTING_FORBIDDEN",
} as const;

/** One of the `RoutingErrorCodes` values. */
export type RoutingErrorCode = (typeof RoutingErrorCodes)[keyof typeof RoutingErrorCodes];

/**
 * Thrown for bad routing configuration, and given (never thrown) to the `unknown` answer of a request that
 * could not be routed.
 *
 * @example
 * engine.on("connection_error", ({ context }) => {
 *   if (context?.error instanceof RoutingError) console.warn(context.error.code); // "ERR_ROUTING_OWNER_GONE"
 * });
 */
export class RoutingError extends Error {
  override readonly name = "RoutingError";
  readonly code: RoutingErrorCode;

  constructor(code: RoutingErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
