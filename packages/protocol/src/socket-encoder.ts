/**
 * Socket.IO v5 encoder: `<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]` plus attachments.
 * Layer: protocol. PROTOCOL.md §B2.
 */
import { deconstruct, hasBinary } from "./binary.js";
import { SocketPacketType } from "./constants.js";
import type { EncodedSocketPacket, SocketPacket } from "./socket-packet.js";

export { hasBinary };

/**
 * Encodes a packet: the text header first, then its attachments, each to be sent as one Engine.IO
 * `message`. EVENT and ACK whose data holds binary (anywhere, however deep) are sent as BINARY_EVENT /
 * BINARY_ACK with `{"_placeholder":true,"num":N}` in place of each binary, numbered depth-first; a
 * BINARY_* packet without binary is sent as plain EVENT / ACK (official decoders refuse `50-`).
 * The namespace is written, with its comma, only when it is not `/`. Data is serialised by
 * `JSON.stringify`: Dates become ISO strings, `undefined` in arrays becomes `null`.
 *
 * @example
 * ```ts
 * encodeSocketPacket({ type: SocketPacketType.EVENT, nsp: "/", data: ["chat", "hi"] });
 * // → ['2["chat","hi"]']
 * encodeSocketPacket({ type: SocketPacketType.ACK, nsp: "/admin", id: 3, data: [new Uint8Array([1])] });
 * // → ['61-/admin,3[{"_placeholder":true,"num":0}]', Uint8Array [1]]
 * ```
 */
export function encodeSocketPacket(packet: SocketPacket): EncodedSocketPacket {
  let type: number = packet.type;
  let data = packet.data;
  // The result array doubles as the attachment list: out[0] is the header, written last.
  let out: EncodedSocketPacket | undefined;
  if (
    type === SocketPacketType.BINARY_EVENT ||
    type === SocketPacketType.BINARY_ACK ||
    ((type === SocketPacketType.EVENT || type === SocketPacketType.ACK) && hasBinary(data))
  ) {
    out = [""];
    data = deconstruct(data, out, 1);
    if (out.length === 1) {
      if (type === SocketPacketType.BINARY_EVENT) type = SocketPacketType.EVENT;
      else if (type === SocketPacketType.BINARY_ACK) type = SocketPacketType.ACK;
      out = undefined;
    } else if (type === SocketPacketType.EVENT) type = SocketPacketType.BINARY_EVENT;
    else if (type === SocketPacketType.ACK) type = SocketPacketType.BINARY_ACK;
  }
  let text = String(type);
  if (out !== undefined) text += `${out.length - 1}-`;
  if (packet.nsp !== "/" && packet.nsp !== "") text += `${packet.nsp},`;
  if (packet.id !== undefined) text += packet.id;
  if (data !== undefined) {
    // `undefined` for functions and symbols: write nothing rather than the text "undefined".
    const json: string | undefined = JSON.stringify(data);
    if (json !== undefined) text += json;
  }
  if (out === undefined) return [text];
  out[0] = text;
  return out;
}
