/**
 * Engine.IO v4 polling payloads: packets joined by the record separator `\x1e`.
 * Layer: protocol. PROTOCOL.md §A3–A4.
 */
import { RECORD_SEPARATOR } from "./constants.js";
import { decodeEngineRecord, type EnginePacket, encodeEngineRecord } from "./engine-packet.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

/**
 * Encodes packets as one polling body: records joined by `\x1e`, binary messages as `b<base64>`
 * (PROTOCOL.md §A3). The caller guarantees text data holds no `\x1e`.
 *
 * @example
 * ```ts
 * encodePayload([{ type: "message", data: "hello" }, { type: "ping" }, { type: "message", data: new Uint8Array([1, 2, 3, 4]) }]);
 * // → "4hello\x1e2\x1ebAQIDBA=="
 * ```
 */
export function encodePayload(packets: readonly EnginePacket[]): string {
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += RECORD_SEPARATOR;
    out += encodeEngineRecord(packets[i]!);
  }
  return out;
}

export interface DecodePayloadOptions {
  /** Upper bound on the number of records (default: unlimited; the body size already bounds it). */
  readonly maxPackets?: number;
}

/**
 * Decodes a polling body into packets. Throws `ProtocolError` on the first malformed record, so a
 * payload is accepted whole or not at all. In Node, binary records decode to `Buffer`s.
 *
 * @example
 * ```ts
 * decodePayload("4hello\x1ebAQIDBA==");
 * // → [{ type: "message", data: "hello" }, { type: "message", data: Uint8Array [1, 2, 3, 4] }]
 * ```
 */
export function decodePayload(body: string, options?: DecodePayloadOptions): EnginePacket[] {
  const max = options?.maxPackets ?? Number.POSITIVE_INFINITY;
  const packets: EnginePacket[] = [];
  let start = 0;
  for (;;) {
    const end = body.indexOf(RECORD_SEPARATOR, start);
    const record = end === -1 ? body.slice(start) : body.slice(start, end);
    if (packets.length >= max) {
      throw new ProtocolError(ProtocolErrorCodes.EIO_TOO_MANY_PACKETS, "too many packets in payload");
    }
    packets.push(decodeEngineRecord(record));
    if (end === -1) return packets;
    start = end + 1;
  }
}
