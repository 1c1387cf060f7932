/**
 * The contract of a node directory: which internal address each live node serves forwarded requests on
 * (the direct session router, direct-session-router.ts). A cluster adapter implements it from its
 * membership (each node's heartbeat carries its address); `StaticNodeDirectory` is a fixed or
 * hand-maintained map.
 * Layer: engine.
 */

/**
 * Node id → internal address (`host:port`, `[v6]:port`).
 *
 * Guarantees: `addressOf` is synchronous and cheap (a map read on every forwarded request); it returns
 * `undefined` for a node that is not a live member, so requests for its sessions are answered
 * "Session ID unknown" at once. A stale address is harmless: the connection is refused, and the request is
 * answered the same way.
 */
export interface NodeDirectory {
  /** Makes this node's internal address known to the other nodes (called once its listener is up). */
  advertise(nodeId: string, address: string): void;
  /** This node stops serving forwarded requests (called when its router closes). */
  withdraw(nodeId: string): void;
  /** The internal address of a live node, `undefined` when it is unknown or gone. */
  addressOf(nodeId: string): string | undefined;
}
