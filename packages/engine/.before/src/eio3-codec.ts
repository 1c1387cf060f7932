/**
 * Engine.IO protocol 3 framing for legacy clients (option `allowEIO3`, PROTOCOL.md §B7): length-prefixed
 * polling payloads (`<len>:<packet>`, len in UTF-16 units), binary payloads (`application/octet-stream`,
 * `<0|1><decimal digits as bytes>0xFF<data>`), base64 binary records `b4<base64>`, and WebSocket binary
 * frames carrying a leading type byte. Engine-internal: items are the session's encoded outbound items.
 * Layer: engine.
 */
import {
  ENGINE_PACKET_TYPES,
  type EnginePacket,
  ProtocolError,
  ProtocolErrorCodes,
  toBase64,
} from "@plexus/protocol";
import type { OutItem } from "./transport.js";

const MESSAGE_BYTE = 4;

function parseError(): ProtocolError {
  return new ProtocolError(ProtocolErrorCodes.EIO_UNKNOWN_PACKET_TYPE, "invalid EIO3 payload");
}

/** A binary message as a v3 text record: `b4<base64>`. */
export function base64RecordV3(bytes: Uint8Array): string {
  return `b${MESSAGE_BYTE}${toBase64(bytes)}`;
}

/** A binary message as a v3 WebSocket binary frame payload: type byte then the data. */
export function binaryFrameV3(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.byteLength + 1);
  out[0] = MESSAGE_BYTE;
  out.set(bytes, 1);
  return out;
}

/**
 * Encodes outbound items as one v3 polling body: a binary payload when the client supports binary and
 * an item is binary, a length-prefixed text payload otherwise.
 */
export function encodePayloadV3(items: readonly OutItem[], supportsBinary: boolean): string | Buffer {
  let hasBinary = false;
  for (const item of items) if (item instanceof Uint8Array) hasBinary = true;
  if (supportsBinary && hasBinary) {
    const parts: Buffer[] = [];
    for (const item of items) {
      const isText = typeof item === "string";
      const body = isText
        ? Buffer.from(item, "utf8")
        : item instanceof Uint8Array
          ? binaryFrameV3(item)
          : null;
      if (body === null) continue;
      const digits = String(body.length);
      const header = Buffer.allocUnsafe(digits.length + 2);
      header[0] = isText ? 0 : 1;
      for (let i = 0; i < digits.length; i++) header[i + 1] = digits.charCodeAt(i) - 48;
      header[header.length - 1] = 255;
      parts.push(header, body);
    }
    return Buffer.concat(parts);
  }
  let out = "";
  for (const item of items) {
    const record = typeof item === "string" ? item : item instanceof Uint8Array ? base64RecordV3(item) : null;
    if (record !== null) out += `${record.length}:${record}`;
  }
  return out === "" ? "0:" : out;
}

/** Decodes one v3 packet (text record, `b<type><base64>`, or a binary frame with its type byte). */
export function decodePacketV3(data: string | Buffer): EnginePacket {
  if (typeof data !== "string") {
    const type = ENGINE_PACKET_TYPES[data[0] ?? 255];
    if (type === undefined) throw parseError();
    return { type, data: Buffer.from(data.subarray(1)) };
  }
  if (data.length === 0) throw parseError();
  if (data.charCodeAt(0) === 98 /* b */) {
    const type = ENGINE_PACKET_TYPES[data.charCodeAt(1) - 48];
    if (type === undefined) throw parseError();
    return { type, data: Buffer.from(data.slice(2), "base64") };
  }
  const type = ENGINE_PACKET_TYPES[data.charCodeAt(0) - 48];
  if (type === undefined) throw parseError();
  return data.length > 1 ? { type, data: data.slice(1) } : { type };
}

/** Decodes a v3 text payload; throws `ProtocolError` when malformed. */
export function decodeTextPayloadV3(body: string): EnginePacket[] {
  if (body === "") throw parseError();
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < body.length) {
    const colon = body.indexOf(":", i);
    if (colon === -1 || colon === i || colon - i > 16) throw parseError();
    const lengthText = body.slice(i, colon);
    if (!/^\d+$/.test(lengthText)) throw parseError();
    const n = Number(lengthText);
    const msg = body.slice(colon + 1, colon + 1 + n);
    if (msg.length !== n) throw parseError();
    if (n > 0) packets.push(decodePacketV3(msg));
    i = colon + 1 + n;
  }
  return packets;
}

/** Decodes a v3 binary payload (`application/octet-stream` POST); throws `ProtocolError` when malformed. */
export function decodeBinaryPayloadV3(body: Buffer): EnginePacket[] {
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < body.length) {
    const isString = body[i] === 0;
    if (!isString && body[i] !== 1) throw parseError();
    let n = 0;
    let j = i + 1;
    for (; j < body.length && body[j] !== 255; j++) {
      const d = body[j]!;
      if (d > 9 || j - i > 16) throw parseError();
      n = n * 10 + d;
    }
    if (j >= body.length) throw parseError();
    const start = j + 1;
    if (start + n > body.length) throw parseError();
    const chunk = body.subarray(start, start + n);
    packets.push(decodePacketV3(isString ? chunk.toString("utf8") : chunk));
    i = start + n;
  }
  return packets;
}
