/**
 * The server side of the WebSocket opening handshake (RFC 6455 §4.2): validate the upgrade request,
 * answer `101 Switching Protocols`, or write a raw HTTP error and destroy the socket.
 * Layer: engine (transport). Engine.IO rejects upgrades as a text/html 400 (PROTOCOL.md §A5, §A9).
 */
import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { negotiatePerMessageDeflate, parseExtensions } from "./permessage-deflate.js";
import { WebSocketError, WebSocketErrorCodes } from "./websocket-error.js";

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/**
 * 16 bytes in base64: 22 characters then `==`. Non-canonical trailing bits are tolerated, as the `ws`
 * server behind engine.io does, so every client that works with the reference server works here.
 */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/** The headers of an upgrade request this module reads (lower-case, as Node's `req.headers`). */
export interface UpgradeRequestLike {
  readonly method?: string | undefined;
  readonly headers: {
    readonly upgrade?: string | undefined;
    readonly connection?: string | undefined;
    readonly "sec-websocket-key"?: string | undefined;
    readonly "sec-websocket-version"?: string | undefined;
    readonly "sec-websocket-extensions"?: string | undefined;
  };
}

/** `Sec-WebSocket-Accept` for a client key (§4.2.2 step 5.4). */
export function computeAcceptKey(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/**
 * Checks an upgrade request (§4.2.1). Returns `null` when it is a valid WebSocket upgrade, otherwise the
 * error (its `message` is suitable as the body of a 400 answer). With `perMessageDeflate`, a malformed
 * `Sec-WebSocket-Extensions` header is an error too (RFC 7692 §5).
 */
export function validateUpgradeRequest(
  req: UpgradeRequestLike,
  perMessageDeflate = false,
): WebSocketError | null {
  if (req.method !== "GET") return new WebSocketError(WebSocketErrorCodes.BAD_METHOD, "Invalid HTTP method");
  const h = req.headers;
  if (h.upgrade === undefined || h.upgrade.toLowerCase() !== "websocket") {
    return new WebSocketError(WebSocketErrorCodes.BAD_UPGRADE_HEADER, "Invalid Upgrade header");
  }
  if (h.connection === undefined || !/(?:^|,)\s*upgrade\s*(?:,|$)/i.test(h.connection)) {
    return new WebSocketError(WebSocketErrorCodes.BAD_CONNECTION_HEADER, "Invalid Connection header");
  }
  // 13 is RFC 6455; 8 is draft hybi-08 (Chrome 14–15, Firefox 7–9 era clients): same handshake and framing,
  // and `ws` (under engine.io) accepts it too, so refusing it would only turn such clients away.
  const version = h["sec-websocket-version"]?.trim();
  if (version !== "13" && version !== "8") {
    return new WebSocketError(
      WebSocketErrorCodes.BAD_VERSION,
      "Missing or invalid Sec-WebSocket-Version header",
    );
  }
  const key = h["sec-websocket-key"]?.trim();
  if (key === undefined || !KEY_PATTERN.test(key)) {
    return new WebSocketError(WebSocketErrorCodes.BAD_KEY, "Missing or invalid Sec-WebSocket-Key header");
  }
  const extensions = h["sec-websocket-extensions"];
  if (perMessageDeflate && extensions !== undefined) {
    try {
      parseExtensions(extensions);
    } catch (err) {
      return err as WebSocketError;
    }
  }
  return null;
}

/** What `buildAcceptResponse` decided besides the bytes. */
export interface HandshakeResult {
  /** The `101` response bytes, ready to write. */
  readonly response: string;
  /** `serverMaxWindowBits` when permessage-deflate was negotiated, 0 otherwise. */
  readonly deflateWindowBits: number;
}

/**
 * Builds the `101 Switching Protocols` answer for a request that passed {@link validateUpgradeRequest}.
 * `extraHeaders` are complete `Name: value` lines (e.g. `Set-Cookie: io=abc; Path=/`).
 * Throws ERR_WS_BAD_EXTENSIONS for an unparsable extension header and ERR_WS_BAD_HEADER_LINE for an
 * extra header holding CR/LF (header injection).
 */
export function buildAcceptResponse(
  req: UpgradeRequestLike,
  perMessageDeflate: boolean,
  extraHeaders?: readonly string[],
): HandshakeResult {
  const key = (req.headers["sec-websocket-key"] ?? "").trim();
  let response =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n`;
  let deflateWindowBits = 0;
  if (perMessageDeflate) {
    const negotiated = negotiatePerMessageDeflate(req.headers["sec-websocket-extensions"]);
    if (negotiated !== null) {
      response += `Sec-WebSocket-Extensions: ${negotiated.response}\r\n`;
      deflateWindowBits = negotiated.params.serverMaxWindowBits;
    }
  }
  if (extraHeaders !== undefined) {
    for (const line of extraHeaders) {
      if (/[\r\n]/.test(line) || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/.test(line)) {
        throw new WebSocketError(WebSocketErrorCodes.BAD_HEADER_LINE, "Invalid extra header line");
      }
      response += `${line}\r\n`;
    }
  }
  return { response: `${response}\r\n`, deflateWindowBits };
}

/** Headers of an upgrade error answer, as engine.io writes them (PROTOCOL.md §A5). */
export const DEFAULT_ABORT_HEADERS: Readonly<Record<string, string>> = {
  Connection: "close",
  "Content-type": "text/html",
};

/**
 * Writes a raw HTTP answer onto an upgrade socket and destroys it once written:
 * `HTTP/1.1 <status> <statusText>`, then `headers` in order, then `Content-Length`, then `message`.
 * Never throws; a socket that is no longer writable is just destroyed.
 *
 * @example
 * abortHandshake(socket, 400, "Session ID unknown"); // HTTP/1.1 400 Bad Request … Session ID unknown
 */
export function abortHandshake(
  socket: Duplex,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = DEFAULT_ABORT_HEADERS,
  statusText: string = STATUS_CODES[status] ?? "",
): void {
  // The peer may reset while we write; an unhandled 'error' would crash the process.
  socket.on("error", ignoreError);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  let head = `HTTP/1.1 ${status} ${statusText}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  head += `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`;
  socket.end(head, () => socket.destroy());
}

function ignoreError(): void {}
