/**
 * The client side of socket.io-client's `parser` option: a custom parser's encoder, and its decoder fed every
 * engine message, whose packets are checked (`validateSocketPacket`) before the Manager routes them. Without
 * the option the Manager keeps the built-in codec of `@plexus/protocol` and never comes here.
 */
import {
  encodedMessages,
  type Parser,
  type ParserDecoder,
  type ParserEncoder,
  type SocketPacket,
  validateSocketPacket,
} from "@plexus/protocol";

let defaultParser: Parser | undefined;

/** The parser of Managers created without a `parser` option (the msgpack bundle sets its own). */
export function setDefaultParser(parser: Parser | undefined): void {
  defaultParser = parser;
}

export class CustomCodec {
  private readonly encoder: ParserEncoder;
  private decoder: ParserDecoder;
  /** What the decoder emitted during one `add`. */
  private readonly decoded: unknown[] = [];

  constructor(private readonly parser: Parser) {
    this.encoder = new parser.Encoder();
    this.decoder = this.createDecoder();
  }

  private createDecoder(): ParserDecoder {
    const decoder = new this.parser.Decoder();
    decoder.on("decoded", (packet) => this.decoded.push(packet));
    return decoder;
  }

  /** The engine messages of one packet (the `compress` flag stays out of what the encoder sees). */
  encode(packet: SocketPacket): (string | Uint8Array)[] {
    const clean: { -readonly [K in keyof SocketPacket]: SocketPacket[K] } = {
      type: packet.type,
      nsp: packet.nsp,
    };
    if (packet.data !== undefined) clean.data = packet.data;
    if (packet.id !== undefined) clean.id = packet.id;
    return encodedMessages(this.encoder.encode(clean));
  }

  /** The packets completed by one engine message; throws on malformed input. */
  decode(data: string | Uint8Array): SocketPacket[] {
    try {
      this.decoder.add(data);
      return this.decoded.map(validateSocketPacket);
    } finally {
      this.decoded.length = 0;
    }
  }

  /** Drops partial state (the connection closed): a fresh decoder for the next one. */
  reset(): void {
    this.decoder.destroy?.();
    this.decoder = this.createDecoder();
  }
}

/** The codec of a Manager's options, or `undefined` for the built-in one. */
export function customCodec(parser: Parser | undefined): CustomCodec | undefined {
  const chosen = parser ?? defaultParser;
  return chosen === undefined ? undefined : new CustomCodec(chosen);
}
