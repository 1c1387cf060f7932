/**
 * @plexus/protocol — pure, isomorphic codecs of Engine.IO v4 and Socket.IO v5.
 * No I/O, no timers, no Node built-ins: bytes are `Uint8Array`.
 */

export { fromBase64, toBase64 } from "./base64.js";
export { DEFAULT_MAX_DEPTH, isBinary } from "./binary.js";
export * from "./constants.js";
export {
  decodeEnginePacket,
  decodeEngineRecord,
  type EngineData,
  type EnginePacket,
  encodeEnginePacket,
  encodeEngineRecord,
} from "./engine-packet.js";
export { type DecodePayloadOptions, decodePayload, encodePayload } from "./engine-payload.js";
export * from "./errors.js";
export { decodeHandshake, encodeHandshake, type HandshakeData } from "./handshake.js";
export { decodeMsgpack, encodeMsgpack, type MsgpackExtensionReader } from "./msgpack.js";
export { MsgpackDecoder, MsgpackEncoder, msgpackParser } from "./msgpack-parser.js";
export { SocketDecoder, type SocketDecoderOptions } from "./socket-decoder.js";
export { encodeSocketPacket, hasBinary } from "./socket-encoder.js";
export type { Attachment, BinaryValue, EncodedSocketPacket, SocketPacket } from "./socket-packet.js";
export {
  encodedMessages,
  type Parser,
  type ParserDecoder,
  type ParserEncoder,
  validateSocketPacket,
} from "./socket-parser.js";
