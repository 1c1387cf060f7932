/**
 * Socket.IO v5 encoder: `<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]` plus attachments.
 * Layer: protocol. PROTOCOL.md §B2.
 */
import { SocketPacketType } from "./constants.js";
import { deconstruct, hasBinary } from "./binary.js";
import type { Attachment, EncodedSocketPacket, SocketPacket } from "./socket-packet.js";

export { hasBinary };

/**
 * Encodes a packet. EVENT and ACK whose data holds binary are sent as BINARY_EVENT / BINARY_ACK with their
 * attachments following the text header; the namespace is written (with its comma) only when it is not `/`.
 */
export function encodeSocketPacket(packet: SocketPacket): EncodedSocketPacket {
  let type: number = packet.type;
  let data = packet.data;
  let attachments: Attachment[] | undefined;
  if (
    type === SocketPacketType.BINARY_EVENT ||
    type === SocketPacketType.BINARY_ACK ||
    ((type === SocketPacketType.EVENT || type === SocketPacketType.ACK) && hasBinary(data))
  ) {
    if (type === SocketPacketType.EVENT) type = SocketPacketType.BINARY_EVENT;
    else if (type === SocketPacketType.ACK) type = SocketPacketType.BINARY_ACK;
    attachments = [];
    data = deconstruct(data, attachments);
  }
  let text = String(type);
  if (attachments !== undefined) text += `${attachments.length}-`;
  if (packet.nsp !== "/" && packet.nsp !== "") text += `${packet.nsp},`;
  if (packet.id !== undefined) text += packet.id;
  if (data !== undefined) text += JSON.stringify(data);
  if (attachments === undefined) return [text];
  const out: EncodedSocketPacket = [text];
  for (const a of attachments) out.push(a);
  return out;
}
