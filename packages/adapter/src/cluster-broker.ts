/**
 * What a broker implementation of the cluster base sees: where a message goes (`ClusterRoute`), what it
 * carries (`ClusterOutgoing`), the options and counters every cluster adapter shares, and node ids (the
 * prefix of the socket ids a node hands out, so a message to one socket is routed to one node).
 */
import { randomBytes } from "node:crypto";
import type { Room } from "./adapter.js";
import type { BroadcastMessage, NodeId, RequestMessage, ResponseMessage } from "./cluster-message.js";
import type { DirectRoutingOptions } from "./cluster-routing.js";

/** Characters of a node id (the prefix of every socket id this node hands out). */
export const NODE_ID_LENGTH = 8;
/** Characters of a socket id handed out by a cluster node: its node id, then 20 random characters. */
export const SOCKET_ID_LENGTH = NODE_ID_LENGTH + 20;

/** A fresh node id: 8 url-safe characters (48 random bits), no glob or channel separator characters. */
export function newNodeId(): NodeId {
  return randomBytes(6).toString("base64url");
}

export interface ClusterAdapterOptions {
  /** How long a request waits for other nodes' answers, ms. Default 5000 (as socket.io's adapters). */
  readonly requestsTimeout?: number;
  /** How often this node announces itself, ms. Default 5000. */
  readonly heartbeatInterval?: number;
  /** After how long without a heartbeat a node is considered gone, ms. Default 10000. */
  readonly heartbeatTimeout?: number;
  /** How long a room channel stays subscribed after its last local member left, ms. Default 2000. */
  readonly unsubscribeDelay?: number;
  /** Most requests waiting for answers at once. Default 10000. */
  readonly maxPendingRequests?: number;
  /**
   * Plexus, no sticky sessions (README "No sticky sessions"): how a request that reaches this node for a
   * session another node owns gets there. `"channel"` (default): through this adapter's broker;
   * `{ host, port, advertise, secret }`: straight to the owner's internal listener, whose address each node
   * advertises in its heartbeats (faster); `false`: not routed (the client gets "Session ID unknown", as
   * with socket.io). The server installs the router by itself.
   */
  readonly sessionRouting?: false | "channel" | DirectRoutingOptions;
}

/** Where a message goes. `room`: the nodes holding that room; `node`: one node (`room`: the socket id it is about). */
export type ClusterRoute =
  | { readonly kind: "all" }
  | { readonly kind: "room"; readonly room: Room }
  | { readonly kind: "node"; readonly node: NodeId; readonly room?: Room };

export type ClusterOutgoing =
  | { readonly kind: "broadcast"; readonly message: BroadcastMessage }
  | { readonly kind: "request"; readonly message: RequestMessage }
  | { readonly kind: "response"; readonly message: ResponseMessage };

export type ClusterMessageKind = ClusterOutgoing["kind"];

/** Counters for metrics (monotonic, read them any time). */
export interface ClusterCounters {
  /** Messages handed to the broker. */
  published: number;
  /** Messages received from other nodes and acted on. */
  received: number;
  /** Messages dropped because they could not be decoded or had a wrong shape. */
  badMessages: number;
  /** Messages queued while the broker was unreachable. */
  queued: number;
  /** Queued messages dropped (queue full by bytes, or too old) during an outage. */
  droppedWhileDown: number;
  /** Requests that timed out. */
  requestTimeouts: number;
  /** Times the subscriber connection was silent (did not even hear this node) and was reconnected. */
  subscriberResets: number;
}

/** The node named in a cluster socket id, or undefined for any other room name. */
export function nodeOfSocketId(room: Room): NodeId | undefined {
  return room.length === SOCKET_ID_LENGTH ? room.slice(0, NODE_ID_LENGTH) : undefined;
}
