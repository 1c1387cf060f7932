/**
 * The messages of the channel session router, as bytes: `[type u8][stream id u32][meta length u32]
 * [meta: JSON][payload]`. Requests and responses carry their method, URL, status and headers in the meta
 * and their body as the payload; tunnel messages carry raw bytes of an upgraded connection. Pure: no I/O.
 * Layer: engine.
 */

/** Message types; `UP_*` are sent by the node that opened the tunnel, `DOWN_*` by the owner. */
export const RouteMessageType = {
  /** A polling request: meta `{ m, u, h }` (method, URL, flat headers), payload the body. */
  REQUEST: 1,
  /** The owner's answer: meta `{ s, h }` (status, flat headers), payload the body. */
  RESPONSE: 2,
  /** The client left before the answer: the owner abandons the request. */
  CANCEL: 3,
  /** Opens a tunnel: payload the upgrade request's raw head and first bytes. */
  OPEN: 4,
  UP_DATA: 5,
  /** Meta `{ n }`: bytes written out on the receiving side (flow-control credit). */
  UP_ACK: 6,
  UP_END: 7,
  DOWN_DATA: 8,
  DOWN_ACK: 9,
  DOWN_END: 10,
} as const;
export type RouteMessageTypeValue = (typeof RouteMessageType)[keyof typeof RouteMessageType];

export interface RouteMessage {
  readonly type: RouteMessageTypeValue;
  readonly id: number;
  readonly meta: Record<string, unknown> | null;
  readonly payload: Uint8Array;
}

const HEADER = 9;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeRouteMessage(
  type: RouteMessageTypeValue,
  id: number,
  meta: Record<string, unknown> | null,
  payload: Uint8Array = EMPTY,
): Uint8Array {
  const metaBytes = meta === null ? EMPTY : encoder.encode(JSON.stringify(meta));
  const out = new Uint8Array(HEADER + metaBytes.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, type);
  view.setUint32(1, id);
  view.setUint32(5, metaBytes.length);
  out.set(metaBytes, HEADER);
  out.set(payload, HEADER + metaBytes.length);
  return out;
}

/** Decodes a message; `null` for anything malformed (the router drops and counts it). */
export function decodeRouteMessage(bytes: Uint8Array): RouteMessage | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  if (type < RouteMessageType.REQUEST || type > RouteMessageType.DOWN_END) return null;
  const id = view.getUint32(1);
  const metaLength = view.getUint32(5);
  if (metaLength > bytes.length - HEADER) return null;
  let meta: Record<string, unknown> | null = null;
  if (metaLength > 0) {
    try {
      const parsed: unknown = JSON.parse(decoder.decode(bytes.subarray(HEADER, HEADER + metaLength)));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return null;
      meta = parsed as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return { type: type as RouteMessageTypeValue, id, meta, payload: bytes.subarray(HEADER + metaLength) };
}

/** A flat `[name, value, ...]` header list from a meta field, `null` if it is not one. */
export function headerList(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length % 2 !== 0) return null;
  for (const v of value) if (typeof v !== "string") return null;
  return value as string[];
}
