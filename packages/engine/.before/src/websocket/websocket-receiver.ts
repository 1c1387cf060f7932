/**
 * Incremental parser of client frames (RFC 6455 §5). Fed with socket chunks through `push`; reports
 * through abstract methods that the subclass implements — `WebSocketConnection` extends this class,
 * so a connection is one object with no stream, no closures and no separate parser object.
 * After a close frame or an error the receiver stops and ignores further input.
 * Payloads are unmasked in place: the chunks handed to `push` are modified and a binary message may
 * share memory with them (no copy on the common path: one frame per chunk).
 * UTF-8 is validated on the whole message, not per fragment (no fail-fast; bounded by `maxPayload`).
 * Layer: engine (transport).
 */
import { isUtf8 } from "node:buffer";
import { inflateMessage } from "./permessage-deflate.js";
import {
  CloseCodes,
  WebSocketError,
  type WebSocketErrorCode,
  WebSocketErrorCodes,
} from "./websocket-error.js";
import { Opcode } from "./websocket-frame.js";

const HEADER = 0;
const DATA = 1;
const STOPPED = 2;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const EMPTY = Buffer.alloc(0);

/** Byte `j` (0–3) of a masking key stored as a big-endian 32-bit integer (signed or not). */
function maskByte(mask: number, j: number): number {
  return (mask >>> ((3 - j) << 3)) & 0xff;
}

/**
 * XORs `data` in place with the masking key (§5.3), starting at key byte `phase`.
 * Long payloads are processed as aligned 32-bit words.
 */
export function unmask(data: Uint8Array, mask: number, phase: number): void {
  const len = data.length;
  let i = 0;
  if (len >= 32 && LITTLE_ENDIAN) {
    const head = (4 - (data.byteOffset & 3)) & 3;
    for (; i < head; i++) data[i] = (data[i] ?? 0) ^ maskByte(mask, (phase + i) & 3);
    const words = (len - i) >>> 2;
    const k = (phase + i) & 3;
    const word =
      maskByte(mask, k) |
      (maskByte(mask, (k + 1) & 3) << 8) |
      (maskByte(mask, (k + 2) & 3) << 16) |
      (maskByte(mask, (k + 3) & 3) << 24);
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let j = 0; j < words; j++) view[j] = (view[j] ?? 0) ^ word;
    i += words << 2;
  }
  for (; i < len; i++) data[i] = (data[i] ?? 0) ^ maskByte(mask, (phase + i) & 3);
}

/** RFC 6455 §7.4: codes a peer may put in a close frame. */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * Subclasses receive the parsed frames through the `onReceiver*` methods, which may call `stop()`;
 * nothing is parsed after that.
 */
export abstract class WebSocketReceiver {
  /** Header bytes of a frame split across chunks (copied, at most 13 bytes). */
  private partial: Buffer | null = null;
  private parseState = HEADER;
  /** First header byte of the current frame: FIN, RSV1 and opcode. */
  private head = 0;
  private mask = 0;
  private frameLength = 0;
  /** Bytes of the current frame payload received so far. */
  private frameReceived = 0;
  /** Pieces of the current frame payload, when it spans several chunks. */
  private framePieces: Buffer[] | null = null;
  /** Opcode of the fragmented data message in progress (0: none). */
  private messageOpcode = 0;
  private messageCompressed = false;
  private messageLength = 0;
  /** Earlier frames of a fragmented (or compressed) message. */
  private fragments: Buffer[] | null = null;

  /**
   * @param maxPayload largest message in bytes (all fragments; inflated size when compressed) → 1009.
   * @param compression whether permessage-deflate was negotiated (RSV1 allowed on data frames).
   */
  constructor(
    readonly maxPayload: number,
    readonly compression = false,
  ) {}

  /** A complete message: text as a string (validated UTF-8), binary as a Buffer. */
  abstract onReceiverMessage(data: string | Buffer, isBinary: boolean): void;
  abstract onReceiverPing(payload: Buffer): void;
  abstract onReceiverPong(payload: Buffer): void;
  /** A close frame: `code` is 1005 when the frame carried none. The receiver has stopped. */
  abstract onReceiverClose(code: number, reason: string): void;
  /** A protocol violation; `error.closeCode` is the code to close with. The receiver has stopped. */
  abstract onReceiverError(error: WebSocketError): void;

  /** Stops parsing and releases buffered input. */
  stop(): void {
    this.parseState = STOPPED;
    this.partial = null;
    this.framePieces = null;
    this.fragments = null;
  }

  get stopped(): boolean {
    return this.parseState === STOPPED;
  }

  /** Parses one chunk of socket input. Never throws for any input (errors go to `onReceiverError`). */
  push(chunk: Buffer): void {
    if (this.parseState === STOPPED || chunk.length === 0) return;
    if (this.partial !== null) {
      chunk = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.parseState === DATA) {
        const take = Math.min(this.frameLength - this.frameReceived, length - pos);
        const piece = chunk.subarray(pos, pos + take);
        pos += take;
        unmask(piece, this.mask, this.frameReceived & 3);
        this.frameReceived += take;
        if (this.frameReceived < this.frameLength) {
          if (this.framePieces === null) this.framePieces = [piece];
          else this.framePieces.push(piece);
          return;
        }
        let payload = piece;
        if (this.framePieces !== null) {
          this.framePieces.push(piece);
          payload = Buffer.concat(this.framePieces, this.frameLength);
          this.framePieces = null;
        }
        this.parseState = HEADER;
        this.onFrame(payload);
        if (this.parseState === STOPPED) return;
        continue;
      }
      const headerSize = this.readHeader(chunk, pos);
      if (headerSize === 0) {
        // Incomplete header: keep a copy of the few bytes (not a view that would pin the chunk).
        this.partial = Buffer.from(chunk.subarray(pos));
        return;
      }
      if (headerSize < 0) return; // protocol error, already reported
      pos += headerSize;
      if (this.frameLength === 0) {
        this.onFrame(EMPTY);
        if (this.parseState === STOPPED) return;
      } else {
        this.parseState = DATA;
        this.frameReceived = 0;
      }
    }
  }

  /** Parses and validates a frame header at `pos`: its size, 0 if incomplete, -1 on error. */
  private readHeader(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    if (available < 2) return 0;
    const b0 = chunk[pos] ?? 0;
    const b1 = chunk[pos + 1] ?? 0;
    const len7 = b1 & 0x7f;
    const size = (len7 === 126 ? 4 : len7 === 127 ? 10 : 2) + 4;

    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    if ((b0 & 0x30) !== 0) return this.fail(WebSocketErrorCodes.RESERVED_BITS, "RSV2 and RSV3 must be clear");
    if ((b1 & 0x80) === 0)
      return this.fail(WebSocketErrorCodes.UNMASKED_FRAME, "Client frames must be masked");
    if (opcode >= Opcode.CLOSE) {
      if (opcode > Opcode.PONG)
        return this.fail(WebSocketErrorCodes.INVALID_OPCODE, `Invalid opcode ${opcode}`);
      if (!fin || len7 > 125) {
        return this.fail(
          WebSocketErrorCodes.BAD_CONTROL_FRAME,
          "Control frames must be final and ≤ 125 bytes",
        );
      }
      if (rsv1) return this.fail(WebSocketErrorCodes.RESERVED_BITS, "RSV1 must be clear on control frames");
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.messageOpcode === 0) {
        return this.fail(WebSocketErrorCodes.UNEXPECTED_CONTINUATION, "Continuation frame without a message");
      }
      if (rsv1)
        return this.fail(WebSocketErrorCodes.RESERVED_BITS, "RSV1 must be clear on continuation frames");
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.messageOpcode !== 0) {
        return this.fail(WebSocketErrorCodes.EXPECTED_CONTINUATION, "Expected a continuation frame");
      }
      if (rsv1 && !this.compression) {
        return this.fail(WebSocketErrorCodes.RESERVED_BITS, "RSV1 set without permessage-deflate");
      }
    } else {
      return this.fail(WebSocketErrorCodes.INVALID_OPCODE, `Invalid opcode ${opcode}`);
    }
    if (available < size) return 0;

    let frameLength = len7;
    if (len7 === 126) frameLength = chunk.readUInt16BE(pos + 2);
    else if (len7 === 127) {
      const high = chunk.readUInt32BE(pos + 2);
      // Anything ≥ 2^32 is over every sane maxPayload; keep the arithmetic exact below 2^53.
      frameLength =
        high > 0x1fffff ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + chunk.readUInt32BE(pos + 6);
    }
    if (opcode < Opcode.CLOSE) {
      if (this.messageLength + frameLength > this.maxPayload) {
        return this.fail(
          WebSocketErrorCodes.PAYLOAD_TOO_BIG,
          "Message exceeds maxPayload",
          CloseCodes.MESSAGE_TOO_BIG,
        );
      }
      this.messageLength += frameLength;
      if (opcode !== Opcode.CONTINUATION) {
        this.messageOpcode = opcode;
        this.messageCompressed = rsv1;
      }
    }
    this.head = b0;
    this.frameLength = frameLength;
    this.mask = chunk.readInt32BE(pos + size - 4); // signed: stays an unboxed small integer
    return size;
  }

  /** A whole frame payload (already unmasked) has arrived. */
  private onFrame(payload: Buffer): void {
    const opcode = this.head & 0x0f;
    if (opcode === Opcode.PING) {
      this.onReceiverPing(payload);
      return;
    }
    if (opcode === Opcode.PONG) {
      this.onReceiverPong(payload);
      return;
    }
    if (opcode === Opcode.CLOSE) {
      this.onClose(payload);
      return;
    }
    if ((this.head & 0x80) === 0) {
      // Not final: keep the fragment (frames of length 0 add nothing).
      if (payload.length > 0) {
        if (this.fragments === null) this.fragments = [payload];
        else this.fragments.push(payload);
      }
      return;
    }
    let message = payload;
    if (this.fragments !== null) {
      this.fragments.push(payload);
      message = Buffer.concat(this.fragments, this.messageLength);
      this.fragments = null;
    }
    const isBinary = this.messageOpcode === Opcode.BINARY;
    const compressed = this.messageCompressed;
    this.messageOpcode = 0;
    this.messageCompressed = false;
    this.messageLength = 0;
    if (compressed) {
      try {
        message = inflateMessage(message, this.maxPayload);
      } catch (err) {
        const error = err as WebSocketError;
        this.fail(error.code, error.message, error.closeCode);
        return;
      }
    }
    if (isBinary) {
      this.onReceiverMessage(message, true);
      return;
    }
    if (!isUtf8(message)) {
      this.fail(
        WebSocketErrorCodes.INVALID_UTF8,
        "Text message is not valid UTF-8",
        CloseCodes.INVALID_PAYLOAD,
      );
      return;
    }
    this.onReceiverMessage(message.toString("utf8"), false);
  }

  private onClose(payload: Buffer): void {
    if (payload.length === 0) {
      this.stop();
      this.onReceiverClose(CloseCodes.NO_STATUS, "");
      return;
    }
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 0;
    if (payload.length === 1 || !isValidCloseCode(code)) {
      this.fail(WebSocketErrorCodes.BAD_CLOSE_FRAME, "Invalid close frame");
      return;
    }
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) {
      this.fail(
        WebSocketErrorCodes.INVALID_UTF8,
        "Close reason is not valid UTF-8",
        CloseCodes.INVALID_PAYLOAD,
      );
      return;
    }
    this.stop();
    this.onReceiverClose(code, reason.toString("utf8"));
  }

  private fail(code: WebSocketErrorCode, message: string, closeCode: number = CloseCodes.PROTOCOL_ERROR): -1 {
    this.stop();
    this.onReceiverError(new WebSocketError(code, message, closeCode));
    return -1;
  }
}
