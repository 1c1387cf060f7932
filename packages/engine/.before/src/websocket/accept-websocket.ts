/**
 * The one call the engine makes to turn a validated upgrade request into a WebSocket connection.
 * Layer: engine (transport).
 */
import type { Duplex } from "node:stream";
import {
  attachWebSocket,
  type WebSocketConnection,
  type WebSocketHandler,
  type WebSocketOptions,
} from "./websocket-connection.js";
import { buildAcceptResponse, type UpgradeRequestLike } from "./websocket-handshake.js";

const NO_OPTIONS: WebSocketOptions = {};

/**
 * Answers `101 Switching Protocols` (negotiating permessage-deflate when `options.perMessageDeflate`)
 * and returns the open connection. Call {@link validateUpgradeRequest} first and answer its error with
 * {@link abortHandshake}. Pass the same `options` object for every connection: it is shared, not copied.
 * The 101 and anything sent in the same tick leave in one write. Throws ERR_WS_BAD_HEADER_LINE (before
 * writing anything) when an `extraHeaders` line is malformed.
 *
 * @example
 * server.on("upgrade", (req, socket, head) => {
 *   const error = validateUpgradeRequest(req);
 *   if (error !== null) return abortHandshake(socket, 400, error.message);
 *   const conn = acceptWebSocket(req, socket, head, handler, options, ["Set-Cookie: io=abc"]);
 *   conn.send("0{...}");
 * });
 */
export function acceptWebSocket(
  req: UpgradeRequestLike,
  socket: Duplex,
  head: Buffer | undefined,
  handler: WebSocketHandler,
  options: WebSocketOptions = NO_OPTIONS,
  extraHeaders?: readonly string[],
): WebSocketConnection {
  const deflate = options.perMessageDeflate !== undefined && options.perMessageDeflate !== false;
  const { response, deflateWindowBits } = buildAcceptResponse(req, deflate, extraHeaders);
  return attachWebSocket(socket, head, handler, options, deflateWindowBits, response);
}
