/**
 * permessage-deflate (RFC 7692), server side, without context takeover in either direction:
 * every message is deflated and inflated on its own, so a connection keeps no zlib state between
 * messages (no per-connection memory) and a compressed broadcast frame can be built once for many.
 * Sync zlib is used; message size is bounded by `maxPayload` on both paths.
 * Layer: engine (transport).
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { CloseCodes, WebSocketError, WebSocketErrorCodes } from "./websocket-error.js";

export interface PerMessageDeflateOptions {
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024. */
  readonly threshold?: number;
  /** zlib compression level 0–9. Default 6 (zlib's default). */
  readonly level?: number;
  /** zlib memLevel 1–9. Default 8. Lower costs less memory per compression and compresses worse. */
  readonly memLevel?: number;
}

/** Outcome of negotiation: the window our deflater must respect (client's server_max_window_bits). */
export interface DeflateParams {
  readonly serverMaxWindowBits: number;
}

/** RFC 7692 §7.2.1: a sync-flushed deflate stream ends with these 4 bytes, removed on the wire. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

type Params = Map<string, string | true>;

/** Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1) into ordered offers. Throws on bad syntax. */
export function parseExtensions(header: string): Array<{ name: string; params: Params }> {
  const offers: Array<{ name: string; params: Params }> = [];
  // Quoted values never contain `,` or `;` in any extension we accept; a quoted token is unquoted below.
  for (const part of header.split(",")) {
    const items = part.split(";");
    const name = (items[0] ?? "").trim().toLowerCase();
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) {
      throw new WebSocketError(WebSocketErrorCodes.BAD_EXTENSIONS, "Invalid Sec-WebSocket-Extensions header");
    }
    const params: Params = new Map();
    for (let i = 1; i < items.length; i++) {
      const item = (items[i] ?? "").trim();
      const eq = item.indexOf("=");
      const key = (eq === -1 ? item : item.slice(0, eq)).trim().toLowerCase();
      if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(key)) {
        throw new WebSocketError(
          WebSocketErrorCodes.BAD_EXTENSIONS,
          "Invalid Sec-WebSocket-Extensions header",
        );
      }
      let value: string | true = true;
      if (eq !== -1) {
        value = item.slice(eq + 1).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)) {
          throw new WebSocketError(
            WebSocketErrorCodes.BAD_EXTENSIONS,
            "Invalid Sec-WebSocket-Extensions header",
          );
        }
      }
      // A duplicated parameter makes the offer invalid (RFC 7692 §7); mark it so the offer is declined.
      params.set(key, params.has(key) ? "\0duplicate" : value);
    }
    offers.push({ name, params });
  }
  return offers;
}

/**
 * Picks the first acceptable permessage-deflate offer (RFC 7692 §5.1). Returns the response
 * extension string and our deflate parameters, or `null` to decline (the connection proceeds uncompressed).
 * We always answer with both `*_no_context_takeover` parameters; RFC 7692 §7.1.1 lets a server add them.
 */
export function negotiatePerMessageDeflate(
  header: string | undefined,
): { response: string; params: DeflateParams } | null {
  if (header === undefined || header === "") return null;
  const offers = parseExtensions(header);
  for (const offer of offers) {
    if (offer.name !== "permessage-deflate") continue;
    let ok = true;
    let serverMaxWindowBits = 15;
    for (const [key, value] of offer.params) {
      if (key === "server_no_context_takeover" || key === "client_no_context_takeover") {
        if (value !== true) ok = false;
      } else if (key === "server_max_window_bits") {
        const bits = value === true ? Number.NaN : Number(value);
        // zlib cannot produce raw deflate with an 8-bit window: decline such an offer.
        if (!Number.isInteger(bits) || bits < 9 || bits > 15) ok = false;
        else serverMaxWindowBits = bits;
      } else if (key === "client_max_window_bits") {
        // We inflate with a 15-bit window, which reads any smaller window: no answer needed.
        if (value !== true) {
          const bits = Number(value);
          if (!Number.isInteger(bits) || bits < 8 || bits > 15) ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    let response = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    if (serverMaxWindowBits !== 15) response += `; server_max_window_bits=${serverMaxWindowBits}`;
    return { response, params: { serverMaxWindowBits } };
  }
  return null;
}

/**
 * Deflates one whole message for a frame with RSV1 (RFC 7692 §7.2.1): raw deflate, sync flush,
 * trailing `00 00 ff ff` removed. Pure: the same output may be framed once and sent to many.
 */
export function deflateMessage(
  payload: Uint8Array,
  options?: PerMessageDeflateOptions,
  params?: DeflateParams,
): Buffer {
  const out = deflateRawSync(payload, {
    finishFlush: constants.Z_SYNC_FLUSH,
    windowBits: params?.serverMaxWindowBits ?? 15,
    level: options?.level ?? constants.Z_DEFAULT_COMPRESSION,
    memLevel: options?.memLevel ?? 8,
  });
  const n = out.length;
  const hasTail =
    n >= 4 && out[n - 4] === 0 && out[n - 3] === 0 && out[n - 2] === 0xff && out[n - 1] === 0xff;
  return hasTail ? out.subarray(0, n - 4) : out;
}

/**
 * Inflates one whole compressed message (RFC 7692 §7.2.2): appends the tail and inflates raw.
 * Output beyond `maxPayload` → ERR_WS_PAYLOAD_TOO_BIG (1009); corrupt data → ERR_WS_INFLATE_FAILED (1007).
 */
export function inflateMessage(compressed: Uint8Array, maxPayload: number): Buffer {
  try {
    return inflateRawSync(Buffer.concat([compressed, TAIL]), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.max(1, maxPayload),
    });
  } catch (err) {
    if (err instanceof RangeError) {
      throw new WebSocketError(
        WebSocketErrorCodes.PAYLOAD_TOO_BIG,
        "Inflated message exceeds maxPayload",
        CloseCodes.MESSAGE_TOO_BIG,
      );
    }
    throw new WebSocketError(
      WebSocketErrorCodes.INFLATE_FAILED,
      "Compressed message does not inflate",
      CloseCodes.INVALID_PAYLOAD,
      { cause: err },
    );
  }
}
