/**
 * The checks every engine request goes through, in engine.io's order, with the error code and context
 * each failure is answered with (PROTOCOL.md §A1, §A4, §A9). Pure: no I/O.
 * Layer: engine.
 */
import type { IncomingMessage } from "node:http";
import type { EngineErrorCode } from "@plexus/protocol";
import type { EngineQuery } from "./handshake-record.js";
import { ENGINE_ERRORS, type ErrorContext } from "./http-errors.js";
import type { Socket } from "./socket.js";
import type { TransportName } from "./transport.js";

/** A refused request: the error code and the `connection_error` context. */
export interface Rejection {
  readonly code: EngineErrorCode;
  readonly context: ErrorContext;
}

/** RFC 7230 field-value check of engine.io's `checkInvalidHeaderChar` (the Origin header). */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** Request checks in engine.io's order (PROTOCOL.md §A1, §A4, §A9); `null` when the request may proceed. */
export function checkRequest(
  clients: Readonly<Record<string, Socket>>,
  transports: readonly TransportName[],
  req: IncomingMessage,
  query: EngineQuery,
  upgrade: boolean,
): Rejection | null {
  const transport = query.transport;
  if (transport === undefined || !transports.includes(transport as TransportName)) {
    return { code: ENGINE_ERRORS.UNKNOWN_TRANSPORT, context: { transport } };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && INVALID_HEADER_CHAR.test(origin)) {
    req.headers.origin = undefined;
    return { code: ENGINE_ERRORS.BAD_REQUEST, context: { name: "INVALID_ORIGIN", origin } };
  }
  const sid = query.sid;
  if (sid !== undefined) {
    const client = clients[sid];
    if (client === undefined) return { code: ENGINE_ERRORS.UNKNOWN_SID, context: { sid } };
    const previousTransport = client.transport.name;
    if (!upgrade && previousTransport !== transport) {
      return {
        code: ENGINE_ERRORS.BAD_REQUEST,
        context: { name: "TRANSPORT_MISMATCH", transport, previousTransport },
      };
    }
    const protocol = query.EIO === "4" ? 4 : 3;
    if (client.protocol !== protocol) {
      return {
        code: ENGINE_ERRORS.BAD_REQUEST,
        context: { name: "PROTOCOL_MISMATCH", protocol, previousProtocol: client.protocol },
      };
    }
    return null;
  }
  if (req.method !== "GET")
    return { code: ENGINE_ERRORS.BAD_HANDSHAKE_METHOD, context: { method: req.method } };
  if (transport === "websocket" && !upgrade) {
    return { code: ENGINE_ERRORS.BAD_REQUEST, context: { name: "TRANSPORT_HANDSHAKE_ERROR" } };
  }
  return null;
}
