/**
 * The one place where the server turns its `parser` option into an encoder and decoders (socket.io's
 * `io.encoder` and one `Decoder` per connection). Without the option, the built-in codec of
 * `@plexus/protocol` is used directly: `encode` IS `encodeSocketPacket` and connections keep their shared
 * decoder, so the default path costs exactly what it did before parsers were pluggable.
 */
import {
  encodedMessages,
  encodeSocketPacket,
  type Parser,
  type ParserDecoder,
  type ParserEncoder,
  type SocketPacket,
} from "@plexus/protocol";
import type { EngineData } from "./engine-connection.js";
import { ServerError, ServerErrorCodes } from "./server-error.js";

export interface PacketCodec {
  /** One packet as the Engine.IO messages that carry it; called once per broadcast, once per direct emit. */
  readonly encode: (packet: SocketPacket) => EngineData[];
  /** The encoder instance (`io.encoder`), for code that encodes packets itself (adapters). */
  readonly encoder: ParserEncoder;
  /** The custom decoder class, one instance per connection; `undefined` for the built-in parser. */
  readonly Decoder: (new () => ParserDecoder) | undefined;
}

const DEFAULT_CODEC: PacketCodec = {
  // Attachments are never a `Blob` in Node (only browsers produce them): the parts are engine messages.
  encode: encodeSocketPacket as (packet: SocketPacket) => EngineData[],
  encoder: { encode: encodeSocketPacket },
  Decoder: undefined,
};

/** The codec of a `parser` option (socket.io's contract: `{ Encoder, Decoder }` classes). */
export function createPacketCodec(parser: Parser | undefined): PacketCodec {
  if (parser === undefined) return DEFAULT_CODEC;
  if (typeof parser.Encoder !== "function" || typeof parser.Decoder !== "function") {
    throw new ServerError(
      ServerErrorCodes.INVALID_ARGUMENT,
      "parser: expected an object with Encoder and Decoder classes",
    );
  }
  const encoder = new parser.Encoder();
  return {
    encode: (packet) => encodedMessages(encoder.encode(packet)),
    encoder,
    Decoder: parser.Decoder,
  };
}
