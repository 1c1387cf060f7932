/**
 * Session routing over a cluster adapter (README "No sticky sessions"): the node channel and the node
 * directory the engine's session routers need, built from what the cluster base already has — a route to
 * one node through the broker, and membership by heartbeat. The server installs a router over them by
 * itself when the main namespace's adapter offers them (`ClusterAdapter.sessionRouting()`).
 *
 * - **Channel**: `send(node, bytes)` publishes a `ROUTE` message as a *response* to that node (responses
 *   already go to one node's own channel on every broker: Redis classic and sharded, `node:cluster` IPC),
 *   so routing bytes never reach the other nodes. Order per pair is the broker's order per sender.
 *   Membership says who is live; a node leaving or expiring is reported to the router at once.
 * - **Directory**: each node's heartbeat carries the internal address it advertises (direct routing), so
 *   `addressOf` is a map read, and a node that left or expired has no address.
 *
 * The shapes below are those of `NodeChannel`/`NodeDirectory` of `@plexus/engine` (structurally: the
 * adapter layer does not import the engine). Layer: adapter.
 */
import type { ClusterMembership } from "./cluster-membership.js";
import { ClusterMessageType, type NodeId } from "./cluster-message.js";

/** Request id of routing messages: not a request anyone waits for. */
export const ROUTE_REQUEST_ID = "route";

/** `NodeChannel` of `@plexus/engine`: opaque messages from one node to another. */
export interface ClusterNodeChannel {
  readonly nodeId: string;
  send(nodeId: string, message: Uint8Array): boolean;
  onMessage(handler: (from: string, message: Uint8Array) => void): void;
  onNodeGone(handler: (nodeId: string) => void): void;
}

/** `NodeDirectory` of `@plexus/engine`: the internal address of each live node. */
export interface ClusterNodeDirectory {
  advertise(nodeId: string, address: string): void;
  withdraw(nodeId: string): void;
  addressOf(nodeId: string): string | undefined;
}

/**
 * Direct session routing: each node opens an internal listener and advertises its address in its
 * heartbeats; a request for another node's session goes straight there instead of through the broker.
 */
export interface DirectRoutingOptions {
  /** Interface of the internal listener. Default `127.0.0.1` (keep it private). */
  readonly host?: string;
  /** Port of the internal listener. Default 0 (a free port). */
  readonly port?: number;
  /** Address advertised to the other nodes (`host:port`), when it differs from the bound one (NAT, containers). */
  readonly advertise?: string;
  /** Shared secret of the cluster: the internal listener refuses (403) requests without it. */
  readonly secret?: string;
}

/**
 * What a cluster adapter offers the server for session routing: its node id (the engine adopts it, so
 * session ids and socket ids name the same node), the channel, the directory, and the direct-route options
 * (`null`: route through the channel).
 */
export interface ClusterSessionRouting {
  readonly nodeId: NodeId;
  readonly channel: ClusterNodeChannel;
  readonly directory: ClusterNodeDirectory;
  readonly direct: DirectRoutingOptions | null;
}

/** What the routing needs of its adapter. */
export interface RoutingHost {
  readonly nodeId: NodeId;
  readonly membership: ClusterMembership;
  /** Publishes a response-shaped message to one node. */
  sendTo(node: NodeId, message: Record<string, unknown>): void;
  /** Sends a heartbeat now (this node's advertised address changed). */
  announce(): void;
}

/** The routing state of one node: kept by the adapter of its main namespace. */
export class ClusterRouting implements ClusterSessionRouting {
  readonly nodeId: NodeId;
  readonly direct: DirectRoutingOptions | null;
  readonly channel: ClusterNodeChannel;
  readonly directory: ClusterNodeDirectory;
  /** Routing messages dropped: malformed, or from a node that is not a member. */
  dropped = 0;
  /** The internal address this node advertises in its heartbeats, if any. */
  advertised: string | undefined;
  private readonly addresses = new Map<NodeId, string>();
  private onMessage: ((from: string, message: Uint8Array) => void) | null = null;
  private onGone: ((nodeId: string) => void) | null = null;

  constructor(
    private readonly host: RoutingHost,
    direct: DirectRoutingOptions | null,
  ) {
    this.nodeId = host.nodeId;
    this.direct = direct;
    host.membership.on("down", (node) => {
      this.addresses.delete(node);
      this.onGone?.(node);
    });
    this.channel = {
      nodeId: host.nodeId,
      send: (node, message) => {
        if (!host.membership.has(node)) return false;
        host.sendTo(node, {
          requestId: ROUTE_REQUEST_ID,
          uid: host.nodeId,
          type: ClusterMessageType.ROUTE,
          data: message,
        });
        return true;
      },
      onMessage: (handler) => {
        this.onMessage = handler;
      },
      onNodeGone: (handler) => {
        this.onGone = handler;
      },
    };
    this.directory = {
      advertise: (node, address) => {
        if (node !== host.nodeId) return;
        this.advertised = address;
        host.announce();
      },
      withdraw: (node) => {
        if (node === host.nodeId) this.advertised = undefined;
      },
      addressOf: (node) => (host.membership.has(node) ? this.addresses.get(node) : undefined),
    };
  }

  /** A heartbeat from `node`: remembers the address it advertises (or forgets it). */
  heard(node: NodeId, address: string | undefined): void {
    if (address === undefined) this.addresses.delete(node);
    else this.addresses.set(node, address);
  }

  /**
   * A decoded response: true when it was a routing message (delivered, or dropped and counted), false when
   * it is an ordinary response for the cluster base.
   */
  accept(value: unknown): boolean {
    if (!isRouteMessage(value)) return false;
    const { uid, data } = value as { uid: unknown; data: unknown };
    if (typeof uid !== "string" || !(data instanceof Uint8Array) || !this.host.membership.has(uid)) {
      this.dropped++;
      return true;
    }
    if (this.onMessage === null) this.dropped++;
    else this.onMessage(uid, data);
    return true;
  }
}

/** True for a response-shaped routing message (whatever else it carries). */
export function isRouteMessage(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { requestId?: unknown; type?: unknown };
  return v.requestId === ROUTE_REQUEST_ID && v.type === ClusterMessageType.ROUTE;
}
