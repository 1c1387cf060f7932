/**
 * The contract of a custom Socket.IO parser, as the `parser` option of socket.io and socket.io-client takes
 * it (so `require("socket.io-msgpack-parser")` plugs in unchanged), and the check every packet a custom
 * decoder hands over goes through before the server or client acts on it. Layer: protocol.
 */
import { SocketPacketType } from "./constants.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";
import { checkAbsentPayload, checkPayload } from "./socket-decoder.js";
import type { SocketPacket } from "./socket-packet.js";

/**
 * Turns one packet into the Engine.IO messages that carry it, in order: strings are sent as text messages,
 * `Uint8Array`s / `ArrayBuffer`s as binary ones. Must not keep or change `packet`.
 */
export interface ParserEncoder {
  encode(packet: SocketPacket): unknown;
}

/**
 * Fed every Engine.IO message of one connection in order (`add`); emits `"decoded"` with each complete
 * packet, synchronously from `add`. `add` throws on malformed input (the connection is then closed).
 * `destroy` drops any partial state when the connection ends.
 */
export interface ParserDecoder {
  add(message: string | Uint8Array | ArrayBuffer): void;
  on(event: "decoded", listener: (packet: SocketPacket) => void): unknown;
  destroy?(): void;
}

/**
 * A parser: an `Encoder` (one per server / per client Manager) and a `Decoder` class (one instance per
 * connection), as socket.io's `parser` option.
 *
 * @example
 * ```ts
 * import { msgpackParser } from "@plexus/protocol";
 * const io = new Server(httpServer, { parser: msgpackParser });
 * ```
 */
export interface Parser {
  readonly Encoder: new () => ParserEncoder;
  readonly Decoder: new () => ParserDecoder;
}

/** The output of a custom encoder as Engine.IO messages (ArrayBuffers as bytes); throws on anything else. */
export function encodedMessages(parts: unknown): (string | Uint8Array)[] {
  if (!Array.isArray(parts)) throw new TypeError("parser: Encoder.encode must return an array");
  const out: (string | Uint8Array)[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part: unknown = parts[i];
    if (typeof part === "string" || part instanceof Uint8Array) out[i] = part;
    else if (part instanceof ArrayBuffer) out[i] = new Uint8Array(part);
    else if (ArrayBuffer.isView(part)) out[i] = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    else throw new TypeError("parser: Encoder.encode must return strings and binary only");
  }
  return out;
}

/**
 * Checks a packet a custom decoder produced: `type` 0–6, `nsp` a string starting with `/`, `id` absent or a
 * non-negative safe integer, `data` of the shape PROTOCOL.md §B2 gives each type (reserved event names
 * refused). Returns it typed; extra keys are ignored.
 * @throws ProtocolError `ERR_SIO_INVALID_PACKET`, `ERR_SIO_INVALID_PAYLOAD` or `ERR_SIO_RESERVED_EVENT`.
 */
export function validateSocketPacket(value: unknown): SocketPacket {
  if (typeof value !== "object" || value === null) throw invalidPacket("not an object");
  const { type, nsp, id, data } = value as Record<string, unknown>;
  if (typeof type !== "number" || !Number.isInteger(type) || type < 0 || type > SocketPacketType.BINARY_ACK) {
    throw invalidPacket("invalid packet type");
  }
  if (typeof nsp !== "string" || nsp[0] !== "/") throw invalidPacket("invalid namespace");
  if (id !== undefined && !(Number.isSafeInteger(id) && (id as number) >= 0)) {
    throw invalidPacket("invalid packet id");
  }
  const packetType = type as SocketPacketType;
  if (data === undefined) checkAbsentPayload(packetType);
  else checkPayload(packetType, data);
  return value as SocketPacket;
}

function invalidPacket(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PACKET, message);
}
