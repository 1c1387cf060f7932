/**
 * Engine.IO v4 packets: one packet per WebSocket frame, or one record of a polling payload.
 * Layer: protocol. PROTOCOL.md §A3.
 */
import { fromBase64, toBase64 } from "./base64.js";
import { ENGINE_PACKET_CODES, ENGINE_PACKET_TYPES, type EnginePacketType } from "./constants.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

/** Data of an engine packet: text, or bytes (binary is only ever a `message`). */
export type EngineData = string | Uint8Array;

/** One Engine.IO packet. `data` is absent for data-less packets such as `2` (ping). */
export interface EnginePacket {
  readonly type: EnginePacketType;
  readonly data?: EngineData;
}

/**
 * Encodes a packet as a WebSocket frame payload: `<digit><text>` for text, the raw bytes (no type byte)
 * for a binary message (PROTOCOL.md §A3).
 *
 * @example
 * ```ts
 * encodeEnginePacket({ type: "ping" }); // → "2"
 * encodeEnginePacket({ type: "message", data: "hello" }); // → "4hello"
 * encodeEnginePacket({ type: "message", data: new Uint8Array([1, 2]) }); // → Uint8Array [1, 2]
 * ```
 */
export function encodeEnginePacket(packet: EnginePacket): EngineData {
  const { data } = packet;
  if (data instanceof Uint8Array) return data;
  const code = ENGINE_PACKET_CODES[packet.type];
  return data === undefined ? code : code + data;
}

/** Encodes a packet as one record of a polling payload: binary becomes `b<base64>` (no type digit). */
export function encodeEngineRecord(packet: EnginePacket): string {
  const { data } = packet;
  if (data instanceof Uint8Array) return `b${toBase64(data)}`;
  const code = ENGINE_PACKET_CODES[packet.type];
  return data === undefined ? code : code + data;
}

// Data-less packets are shared between decodes, hence frozen.
const TEXT_PACKETS: readonly EnginePacket[] = ENGINE_PACKET_TYPES.map((type) => Object.freeze({ type }));

/**
 * Decodes one WebSocket frame payload (text or binary). A binary frame is always a `message` whose data
 * is the very object given (a Node `Buffer` stays a `Buffer`). Throws `ProtocolError`
 * (`ERR_EIO_EMPTY_PACKET`, `ERR_EIO_UNKNOWN_PACKET_TYPE`) on an empty frame or an unknown type digit.
 *
 * @example
 * ```ts
 * decodeEnginePacket("4hello"); // → { type: "message", data: "hello" }
 * decodeEnginePacket("2"); // → { type: "ping" }
 * ```
 */
export function decodeEnginePacket(frame: EngineData): EnginePacket {
  if (typeof frame !== "string") return { type: "message", data: frame };
  if (frame.length === 0) throw new ProtocolError(ProtocolErrorCodes.EIO_EMPTY_PACKET, "empty packet");
  const digit = frame.charCodeAt(0) - 48;
  const type = ENGINE_PACKET_TYPES[digit];
  if (type === undefined || digit < 0) {
    throw new ProtocolError(ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE, "unknown packet type");
  }
  return frame.length === 1 ? TEXT_PACKETS[digit]! : { type, data: frame.slice(1) };
}

/**
 * Decodes one record of a polling payload: a text packet, or `b<base64>` for a binary message.
 * Throws `ProtocolError` as `decodeEnginePacket`, or `ERR_EIO_INVALID_BASE64`.
 */
export function decodeEngineRecord(record: string): EnginePacket {
  if (record.charCodeAt(0) === 98 /* b */) return { type: "message", data: fromBase64(record, 1) };
  return decodeEnginePacket(record);
}
