/**
 * Engine.IO v4 packets: one packet per WebSocket frame, or one record of a polling payload.
 * Layer: protocol. PROTOCOL.md §A3.
 */
import { toBase64, fromBase64 } from "./base64.js";
import { ENGINE_PACKET_CODES, ENGINE_PACKET_TYPES, type EnginePacketType } from "./constants.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

/** Data of an engine packet: text, or bytes (binary is only ever a `message`). */
export type EngineData = string | Uint8Array;

export interface EnginePacket {
  readonly type: EnginePacketType;
  readonly data?: EngineData;
}

/**
 * Encodes a packet as a WebSocket frame payload: `<digit><text>` for text, the raw bytes (no type byte)
 * for a binary message.
 */
export function encodeEnginePacket(packet: EnginePacket): EngineData {
  const { data } = packet;
  if (data instanceof Uint8Array) return data;
  const code = ENGINE_PACKET_CODES[packet.type];
  return data === undefined ? code : code + data;
}

/** Encodes a packet as one record of a polling payload: binary becomes `b<base64>`. */
export function encodeEngineRecord(packet: EnginePacket): string {
  const { data } = packet;
  if (data instanceof Uint8Array) return `b${toBase64(data)}`;
  const code = ENGINE_PACKET_CODES[packet.type];
  return data === undefined ? code : code + data;
}

const TEXT_PACKETS: readonly EnginePacket[] = ENGINE_PACKET_TYPES.map((type) => ({ type }));

/**
 * Decodes one WebSocket frame payload (text or binary). A binary frame is always a `message`.
 * Throws `ProtocolError` on an empty frame or an unknown type digit.
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
 */
export function decodeEngineRecord(record: string): EnginePacket {
  if (record.charCodeAt(0) === 98 /* b */) return { type: "message", data: fromBase64(record, 1) };
  return decodeEnginePacket(record);
}
