/**
 * The few wire strings and byte codes the raw-protocol load clients need, derived from `@plexus/protocol`
 * constants and codecs (PROTOCOL.md §A3, §B1–B2) rather than retyped.
 */
import {
  ENGINE_PACKET_CODES,
  ENGINE_PROTOCOL,
  encodeEnginePacket,
  encodeSocketPacket,
  SocketPacketType,
} from "@plexus/protocol";

function code(digit: string): number {
  return digit.charCodeAt(0);
}

/** First byte of each Engine.IO packet type as it arrives in a text frame. */
export const EngineByte = {
  OPEN: code(ENGINE_PACKET_CODES.open),
  CLOSE: code(ENGINE_PACKET_CODES.close),
  PING: code(ENGINE_PACKET_CODES.ping),
  MESSAGE: code(ENGINE_PACKET_CODES.message),
  NOOP: code(ENGINE_PACKET_CODES.noop),
} as const;

/** Second byte of an Engine.IO message carrying a Socket.IO packet: the Socket.IO packet type digit. */
export const SocketByte = {
  CONNECT: code(String(SocketPacketType.CONNECT)),
  EVENT: code(String(SocketPacketType.EVENT)),
  ACK: code(String(SocketPacketType.ACK)),
  CONNECT_ERROR: code(String(SocketPacketType.CONNECT_ERROR)),
} as const;

/** `3`: the answer to a server ping (PROTOCOL.md §A6). */
export const PONG_TEXT = encodeEnginePacket({ type: "pong" }) as string;

/** The Socket.IO CONNECT to the main namespace, as engine message data (`0`; on the wire `40`). */
export const CONNECT_MAIN_DATA = encodeSocketPacket({ type: SocketPacketType.CONNECT, nsp: "/" })[0];

/** `40`: the CONNECT as a WebSocket frame. */
export const CONNECT_MAIN_FRAME = encodeEnginePacket({ type: "message", data: CONNECT_MAIN_DATA }) as string;

/** The engine message data of `socket.emit("echo", payload, ack)` with ack id `id` (`2<id>["echo",…]`). */
export function echoEventData(id: number, payload: string): string {
  return encodeSocketPacket({ type: SocketPacketType.EVENT, nsp: "/", id, data: ["echo", payload] })[0];
}

/** Query string of an engine request. */
export function engineQuery(transport: "websocket" | "polling", sid?: string): string {
  const base = `?EIO=${ENGINE_PROTOCOL}&transport=${transport}`;
  return sid === undefined ? base : `${base}&sid=${encodeURIComponent(sid)}`;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** Reads the decimal ack id starting at `offset` (the digits before the JSON array of an ACK). */
export function readAckId(bytes: Uint8Array, offset: number): number {
  let id = 0;
  for (let i = offset; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) break;
    id = id * 10 + (c - DIGIT_0);
  }
  return id;
}

/** Same as `readAckId` for a string. */
export function readAckIdFromString(text: string, offset: number): number {
  let id = 0;
  for (let i = offset; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) break;
    id = id * 10 + (c - DIGIT_0);
  }
  return id;
}
