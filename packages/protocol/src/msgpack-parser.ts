/**
 * Plexus's msgpack parser: the `parser` option value that speaks the wire of socket.io-msgpack-parser. Each
 * Socket.IO packet is one binary Engine.IO message holding the MessagePack map `{type, nsp, data?, id?}`;
 * binary arguments travel inside it (no attachments, so types are 0–4 only). Layer: protocol.
 */
import { SocketPacketType } from "./constants.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";
import { decodeMsgpack, encodeMsgpack } from "./msgpack.js";
import type { SocketPacket } from "./socket-packet.js";
import { type ParserDecoder, type ParserEncoder, validateSocketPacket } from "./socket-parser.js";

/** Encodes packets as one msgpack message each. */
export class MsgpackEncoder implements ParserEncoder {
  encode(packet: SocketPacket): [Uint8Array] {
    let type: number = packet.type;
    if (type === SocketPacketType.BINARY_EVENT) type = SocketPacketType.EVENT;
    else if (type === SocketPacketType.BINARY_ACK) type = SocketPacketType.ACK;
    const out: { type: number; nsp: string; data?: unknown; id?: number } = { type, nsp: packet.nsp };
    if (packet.data !== undefined) out.data = packet.data;
    if (packet.id !== undefined) out.id = packet.id;
    return [encodeMsgpack(out)];
  }
}

/** Decodes msgpack messages; one per connection (it keeps only its listeners). */
export class MsgpackDecoder implements ParserDecoder {
  private listeners: ((packet: SocketPacket) => void)[] = [];

  on(event: "decoded", listener: (packet: SocketPacket) => void): this {
    if (event === "decoded") this.listeners.push(listener);
    return this;
  }

  off(event: "decoded", listener: (packet: SocketPacket) => void): this {
    if (event === "decoded") this.listeners = this.listeners.filter((l) => l !== listener);
    return this;
  }

  /**
   * @throws ProtocolError on a text message, malformed msgpack (`ERR_SIO_INVALID_MSGPACK`) or an invalid
   *   packet (see `validateSocketPacket`; types 5 and 6 do not exist in this format).
   */
  add(message: string | Uint8Array | ArrayBuffer): void {
    if (typeof message === "string") {
      throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_MSGPACK, "msgpack: text message");
    }
    const value = decodeMsgpack(message instanceof ArrayBuffer ? new Uint8Array(message) : message);
    const packet = validateSocketPacket(value);
    if (packet.type > SocketPacketType.CONNECT_ERROR) {
      throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PACKET, "invalid packet type");
    }
    for (const listener of this.listeners) listener(packet);
  }

  destroy(): void {
    this.listeners = [];
  }
}

/**
 * Wire-compatible with `socket.io-msgpack-parser` (either end may use either).
 *
 * @example
 * ```ts
 * import { msgpackParser } from "@plexus/protocol";
 * const socket = io("http://localhost:3000", { parser: msgpackParser });
 * ```
 */
export const msgpackParser: {
  readonly protocol: 5;
  readonly Encoder: typeof MsgpackEncoder;
  readonly Decoder: typeof MsgpackDecoder;
} = {
  protocol: 5,
  Encoder: MsgpackEncoder,
  Decoder: MsgpackDecoder,
};
