/**
 * The Socket.IO v5 packet model shared by the encoder and the decoder.
 * Layer: protocol. PROTOCOL.md §B1–B2.
 */
import type { SocketPacketType } from "./constants.js";

/**
 * One Socket.IO packet. `nsp` is always set (`"/"` for the main namespace).
 * `data` by type: CONNECT – object or absent; DISCONNECT – absent; EVENT/BINARY_EVENT – `[name, ...args]`;
 * ACK/BINARY_ACK – `[...args]`; CONNECT_ERROR – string or object.
 * After decoding, binary attachments are back in place of their placeholders.
 */
export interface SocketPacket {
  readonly type: SocketPacketType;
  readonly nsp: string;
  readonly id?: number;
  readonly data?: unknown;
}

/** A binary value as it may appear in event arguments. */
export type BinaryValue = Uint8Array | ArrayBuffer | ArrayBufferView | Blob;

/** One attachment as handed to the transport: bytes, or a `Blob` the (browser) transport reads itself. */
export type Attachment = Uint8Array | Blob;

/**
 * An encoded packet: the text header first, then its attachments in order. Each element is sent as one
 * Engine.IO `message` (text, then binary messages).
 */
export type EncodedSocketPacket = [string, ...Attachment[]];
