/**
 * The engine's HTTP error answers, byte for byte as the official server writes them (PROTOCOL.md §A9).
 * Layer: engine.
 */
import type { ServerResponse } from "node:http";
import { type EngineErrorCode, type EngineErrorName, EngineErrors } from "@plexus/protocol";

/** Message of each engine error code (the JSON `message` field). */
export const ENGINE_ERROR_MESSAGES: Readonly<Record<EngineErrorCode, string>> = {
  0: EngineErrors.UNKNOWN_TRANSPORT.message,
  1: EngineErrors.UNKNOWN_SID.message,
  2: EngineErrors.BAD_HANDSHAKE_METHOD.message,
  3: EngineErrors.BAD_REQUEST.message,
  4: EngineErrors.FORBIDDEN.message,
  5: EngineErrors.UNSUPPORTED_PROTOCOL_VERSION.message,
};

/** Error codes by name, as `engine.io`'s `Server.errors`. */
export const ENGINE_ERRORS: Readonly<Record<EngineErrorName, EngineErrorCode>> = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
};

/** Context of a refused request, as carried by the `connection_error` event. */
export interface ErrorContext {
  readonly name?: string;
  readonly message?: string;
  readonly [key: string]: unknown;
}

/** JSON answer to a refused HTTP request: 403 for `allowRequest` refusals, 400 otherwise (§A9). */
export function abortRequest(
  res: ServerResponse,
  code: EngineErrorCode,
  context: ErrorContext | undefined,
): void {
  if (res.headersSent || res.writableEnded) return;
  const status = code === ENGINE_ERRORS.FORBIDDEN ? 403 : 400;
  const message = context?.message ? context.message : ENGINE_ERROR_MESSAGES[code];
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ code, message }));
}

/** Answer with a bare status and no body (overlaps: 400, oversize POST: 413, other methods: 500). */
export function answerEmpty(res: ServerResponse, status: number): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status);
  res.end();
}
