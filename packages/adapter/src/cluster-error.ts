/**
 * The errors a cluster adapter hands to user code, each with a stable `code`.
 *
 * | code | when |
 * |---|---|
 * | `ERR_CLUSTER_TIMEOUT` | a cross-node request (`fetchSockets`, `serverSideEmitWithAck`, `allRooms`...) did not get every live node's answer within `requestsTimeout`; `missingNodes` names the nodes that did not answer (`"socket.io:<n>"` for nodes without a Plexus id), `partial` holds what was gathered |
 * | `ERR_CLUSTER_OVERLOADED` | more than `maxPendingRequests` requests are waiting for answers |
 * | `ERR_CLUSTER_CLOSED` | the adapter was closed while the request waited |
 */
import type { NodeId } from "./cluster-message.js";

export const ClusterErrorCodes = {
  TIMEOUT: "ERR_CLUSTER_TIMEOUT",
  OVERLOADED: "ERR_CLUSTER_OVERLOADED",
  CLOSED: "ERR_CLUSTER_CLOSED",
} as const;
export type ClusterErrorCode = (typeof ClusterErrorCodes)[keyof typeof ClusterErrorCodes];

export class ClusterError extends Error {
  override readonly name = "ClusterError";
  readonly code: ClusterErrorCode;
  /** The nodes that had not answered (timeout), or every awaited node (closed, overloaded). */
  readonly missingNodes: readonly NodeId[];
  /** What was gathered before the error (sockets, responses, rooms). */
  readonly partial: unknown;
  /** `serverSideEmitWithAck`: the responses that did arrive (as Socket.IO's error carries them). */
  responses?: unknown[];
  constructor(code: ClusterErrorCode, message: string, missingNodes: readonly NodeId[], partial: unknown) {
    super(message);
    this.code = code;
    this.missingNodes = missingNodes;
    this.partial = partial;
  }
}
