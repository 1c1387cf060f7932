/**
 * Session ids that name their owner node: `<20 random base64url characters>.<node id>`. The node part is
 * everything after the last `.`: found without any lookup, so a node that receives a request for a session
 * it does not hold knows where to send it (README "No sticky sessions"). Ids stay opaque to clients (any
 * string is a valid Engine.IO sid) and unguessable (the random part is that of a plain id).
 * Layer: engine.
 */
import { randomBytes } from "node:crypto";
import { RoutingError, RoutingErrorCodes } from "./routing-error.js";

/** Separator between the random part and the node id (not in the base64url alphabet of either part). */
export const NODE_ID_SEPARATOR = ".";

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a node id (1–64 characters of `A-Z a-z 0-9 _ -`) and returns it. */
export function checkNodeId(nodeId: string): string {
  if (typeof nodeId !== "string" || !NODE_ID.test(nodeId)) {
    throw new RoutingError(
      RoutingErrorCodes.INVALID_NODE_ID,
      `node id must be 1-64 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(nodeId)})`,
    );
  }
  return nodeId;
}

/** A fresh node id: 8 random base64url characters (48 bits), the default of one process. */
export function randomNodeId(): string {
  return randomBytes(6).toString("base64url");
}

/** `id` marked as owned by `nodeId`. */
export function withNodeId(id: string, nodeId: string): string {
  return id + NODE_ID_SEPARATOR + nodeId;
}

/** The node named by a session id, `null` when the id names none (ids of engines without a router). */
export function nodeOfSessionId(sid: string): string | null {
  const i = sid.lastIndexOf(NODE_ID_SEPARATOR);
  if (i <= 0 || i === sid.length - 1) return null;
  return sid.slice(i + 1);
}
