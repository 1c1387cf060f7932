/**
 * The contract of a node channel: opaque messages from one node to another, the transport of the channel
 * session router (channel-session-router.ts). A cluster adapter provides it over its broker (a Redis
 * channel per node, `node:cluster` IPC); `InProcessChannelHub` joins engines of one process.
 * Layer: engine.
 */

/**
 * Point-to-point messages between the nodes of a cluster.
 *
 * Guarantees an implementation gives:
 * - **Order per pair**: messages `send` hands over for one node arrive there in the order they were sent.
 *   The router relies on it for the POSTs of a session and for the bytes of a tunnelled WebSocket.
 * - **At most once**: a message is delivered once or not at all (a lost message shows as a timeout).
 * - **Membership**: `send` returns `false`, delivering nothing, for a node that is not a live member;
 *   `onNodeGone` (optional but strongly advised) reports a member leaving or expiring, so requests waiting
 *   on it are answered at once instead of after the router's timeout.
 * - Messages are handed over as they are: the sender does not touch a message after `send`, and a
 *   receiver may keep what it is given.
 */
export interface NodeChannel {
  /** This node's id (the engine adopts it: its session ids then name this node). */
  readonly nodeId: string;
  /** Sends `message` to `nodeId`; `false` when that node is not a live member (nothing sent). */
  send(nodeId: string, message: Uint8Array): boolean;
  /** Sets the receiver of every message sent to this node (one receiver per channel). */
  onMessage(handler: (from: string, message: Uint8Array) => void): void;
  /** Sets the receiver of "this member left" notices. */
  onNodeGone?(handler: (nodeId: string) => void): void;
}
