/**
 * @plexus/protocol — pure, isomorphic codecs of Engine.IO v4 and Socket.IO v5.
 * No I/O, no timers, no Node built-ins: bytes are `Uint8Array`.
 */
export * from "./constants.js";
export * from "./errors.js";
export { toBase64, fromBase64 } from "./base64.js";
export {
  type EngineData,
  type EnginePacket,
  encodeEnginePacket,
  encodeEngineRecord,
  decodeEnginePacket,
  decodeEngineRecord,
} from "./engine-packet.js";
export { encodePayload, decodePayload, type DecodePayloadOptions } from "./engine-payload.js";
export { type HandshakeData, encodeHandshake, decodeHandshake } from "./handshake.js";
export type { SocketPacket, BinaryValue, Attachment, EncodedSocketPacket } from "./socket-packet.js";
export { encodeSocketPacket, hasBinary } from "./socket-encoder.js";
export { isBinary, DEFAULT_MAX_DEPTH } from "./binary.js";
export { SocketDecoder, type SocketDecoderOptions } from "./socket-decoder.js";
