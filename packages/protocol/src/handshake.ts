/**
 * The Engine.IO v4 handshake record: the data of the `open` packet (PROTOCOL.md §A2). Exactly these keys.
 * Layer: protocol.
 */
/** The handshake record: what the client learns from the `open` packet. */
export interface HandshakeData {
  readonly sid: string;
  readonly upgrades: readonly string[];
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly maxPayload: number;
}

/**
 * Serialises the handshake record with exactly the five keys, in the reference order (extra properties
 * of `h` are left out).
 *
 * @example
 * ```ts
 * "0" + encodeHandshake({ sid: "abc", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 });
 * // → '0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
 * ```
 */
export function encodeHandshake(h: HandshakeData): string {
  return JSON.stringify({
    sid: h.sid,
    upgrades: h.upgrades,
    pingInterval: h.pingInterval,
    pingTimeout: h.pingTimeout,
    maxPayload: h.maxPayload,
  });
}

/** Parses an open packet's data; returns `null` when it is not a valid handshake record. */
export function decodeHandshake(text: string): HandshakeData | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.sid !== "string" || !Array.isArray(v.upgrades)) return null;
  if (typeof v.pingInterval !== "number" || typeof v.pingTimeout !== "number") return null;
  return {
    sid: v.sid,
    upgrades: v.upgrades.filter((u): u is string => typeof u === "string"),
    pingInterval: v.pingInterval,
    pingTimeout: v.pingTimeout,
    maxPayload: typeof v.maxPayload === "number" ? v.maxPayload : 1e6,
  };
}
