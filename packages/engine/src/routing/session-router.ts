/**
 * The contract between the engine and a session router: how a request for a session owned by another node
 * reaches that node and is answered (README "No sticky sessions"). Only the contract lives here;
 * implementations are `direct-session-router.ts` (HTTP/TCP to the owner's internal address) and
 * `channel-session-router.ts` (request/response and byte tunnels over a message channel).
 * Layer: engine.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { RoutingError } from "./routing-error.js";

/**
 * Header a router adds to every request it forwards (value: the forwarding node's id). A request that
 * carries it is never forwarded again: a session unknown to the node it was sent to is answered
 * "Session ID unknown" there, so a stale directory cannot make requests loop.
 */
export const FORWARDED_HEADER = "x-plexus-forwarded";

/** What a router sees of its engine. */
export interface RoutingEngine {
  /** This node's id: the part after the last `.` of every session id this engine issues. */
  readonly nodeId: string;
  /** Engine options a router derives its defaults from. */
  readonly opts: {
    readonly pingInterval: number;
    readonly pingTimeout: number;
    readonly path: string;
    readonly maxHttpBufferSize: number;
  };
  /** Serves an HTTP request as if it had arrived on the engine's own server. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Serves an HTTP upgrade as if it had arrived on the engine's own server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Answers the forwarded request "Session ID unknown" (400, code 1), as a node without the session does. */
export type UnknownSession = (reason: RoutingError) => void;

/**
 * Routes requests that carry a session id naming another node to that node (the owner).
 *
 * Guarantees a router gives (its tests check them):
 * - **Exactly one answer.** Each forwarded request is answered once: with the owner's answer relayed
 *   unchanged (status, headers, body; for an upgrade, the owner's bytes both ways until either side
 *   closes), or — only while nothing of the owner's answer has been sent — with `unknown(reason)`, which
 *   the engine turns into the normal `400 {"code":1,"message":"Session ID unknown"}` (an upgrade: the
 *   normal 400 handshake refusal). If the owner fails after its answer started, the client's connection is
 *   destroyed, as it would be if the owner had died holding it directly.
 * - **Owner gone → "Session ID unknown".** An owner that is not a live member, refuses the connection,
 *   leaves, or does not answer within the router's timeout gets `unknown`: the client reconnects.
 * - **Order.** Requests are forwarded in the order they arrive. An Engine.IO client never has two POSTs
 *   (or two GETs) of one session in flight, so the POSTs of a session reach the owner in the client's
 *   order as long as one node's messages to another arrive in order (the channel contract).
 * - **Timeouts.** A held poll is answered by the owner within `pingInterval` (it pings), so a router waits
 *   at most `pingInterval + pingTimeout` (plus a margin) for the start of an answer by default.
 * - **Client gone.** When the client's connection closes before the answer, the forwarded request is
 *   abandoned at the owner too (a held poll closed early ends the session there, as it would locally).
 *
 * The engine calls `forwardRequest`/`forwardUpgrade` only for a session it does not hold, whose id names
 * another node, on a request without {@link FORWARDED_HEADER}; the owner serves the forwarded request with
 * its own middlewares, CORS, cookies and hooks.
 */
export interface SessionRouter {
  /**
   * The node id the engine must use, when the router's membership already names this node (e.g. a
   * cluster adapter's node id). `undefined`: the engine's `nodeId` option, or a random one.
   */
  readonly nodeId?: string | undefined;
  /** Called once by the engine the router serves, before any forward. */
  attach(engine: RoutingEngine): void;
  /** Forwards a polling request (GET, POST, or anything else carrying the sid) to `nodeId`. */
  forwardRequest(nodeId: string, req: IncomingMessage, res: ServerResponse, unknown: UnknownSession): void;
  /** Forwards a WebSocket upgrade carrying the sid to `nodeId`. */
  forwardUpgrade(
    nodeId: string,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    unknown: UnknownSession,
  ): void;
  /** Stops routing: pending forwards are abandoned, listeners the router opened are closed. */
  close(): void;
}
