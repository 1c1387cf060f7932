/**
 * Pure WebSocket framer (RFC 6455 §5.2). Builds one complete frame into one Buffer so a broadcast can
 * frame a message once and write the same bytes to every recipient (DESIGN.md principle 2).
 * Server frames are unmasked (§5.1); the `mask` option exists for tests and tools that act as a client.
 * Layer: engine (transport).
 */

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

export interface FrameOptions {
  /** FIN bit; `true` unless you build fragments by hand. */
  readonly fin?: boolean;
  /** RSV1 bit: set on the first frame of a permessage-deflate compressed message (RFC 7692 §6). */
  readonly rsv1?: boolean;
  /** 4-byte masking key: only clients mask (§5.3). The payload is copied, never modified in place. */
  readonly mask?: Uint8Array;
}

/** Header size for a payload of `length` bytes (§5.2: 7-bit, 16-bit or 64-bit length). */
export function frameHeaderSize(length: number, masked = false): number {
  const base = length < 126 ? 2 : length < 65536 ? 4 : 10;
  return masked ? base + 4 : base;
}

/** Writes the frame header into `target` at offset 0 and returns the header size. */
function writeHeader(
  target: Buffer,
  length: number,
  opcode: number,
  options: FrameOptions | undefined,
): number {
  let b0 = opcode;
  if (options?.fin !== false) b0 |= 0x80;
  if (options?.rsv1 === true) b0 |= 0x40;
  target[0] = b0;
  const maskBit = options?.mask === undefined ? 0 : 0x80;
  let offset: number;
  if (length < 126) {
    target[1] = maskBit | length;
    offset = 2;
  } else if (length < 65536) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(length, 2);
    offset = 4;
  } else {
    target[1] = maskBit | 127;
    // Payloads beyond 2^32 cannot exist in a Node Buffer of this era; the high word stays 0.
    target.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    target.writeUInt32BE(length >>> 0, 6);
    offset = 10;
  }
  const mask = options?.mask;
  if (mask !== undefined) {
    target[offset] = mask[0] ?? 0;
    target[offset + 1] = mask[1] ?? 0;
    target[offset + 2] = mask[2] ?? 0;
    target[offset + 3] = mask[3] ?? 0;
    offset += 4;
  }
  return offset;
}

function maskInPlace(target: Buffer, start: number, mask: Uint8Array): void {
  const m0 = mask[0] ?? 0;
  const m1 = mask[1] ?? 0;
  const m2 = mask[2] ?? 0;
  const m3 = mask[3] ?? 0;
  for (let i = start, j = 0; i < target.length; i++, j++) {
    const k = j & 3;
    target[i] = (target[i] ?? 0) ^ (k === 0 ? m0 : k === 1 ? m1 : k === 2 ? m2 : m3);
  }
}

/**
 * Frames a whole message (or one fragment) into a new Buffer: header followed by the payload.
 * A string payload is written as UTF-8 straight into the frame (see {@link frameText}).
 *
 * @example
 * const bytes = frame("4hello", Opcode.TEXT); // <81 06 34 68 65 6c 6c 6f>
 * for (const conn of recipients) conn.sendFrame(bytes);
 */
export function frame(payload: Uint8Array | string, opcode: number, options?: FrameOptions): Buffer {
  if (typeof payload === "string") return frameText(payload, opcode, options);
  const length = payload.length;
  const out = Buffer.allocUnsafe(frameHeaderSize(length, options?.mask !== undefined) + length);
  const offset = writeHeader(out, length, opcode, options);
  out.set(payload, offset);
  if (options?.mask !== undefined) maskInPlace(out, offset, options.mask);
  return out;
}

/**
 * Frames a string as UTF-8 with a single allocation (header and text in one Buffer, no intermediate
 * Buffer of the text). `opcode` defaults to TEXT.
 */
export function frameText(text: string, opcode: number = Opcode.TEXT, options?: FrameOptions): Buffer {
  const length = Buffer.byteLength(text, "utf8");
  const out = Buffer.allocUnsafe(frameHeaderSize(length, options?.mask !== undefined) + length);
  const offset = writeHeader(out, length, opcode, options);
  out.write(text, offset, length, "utf8");
  if (options?.mask !== undefined) maskInPlace(out, offset, options.mask);
  return out;
}

/** Builds only a frame header (for writev of a large payload without copying it). */
export function frameHeader(length: number, opcode: number, options?: FrameOptions): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderSize(length, options?.mask !== undefined));
  writeHeader(out, length, opcode, options);
  return out;
}

/**
 * Payload of a close frame (§5.5.1): 2-byte code then the UTF-8 reason, truncated to fit the
 * 125-byte control frame limit. Code 1005 (or undefined) yields an empty payload.
 */
export function closePayload(code?: number, reason = ""): Buffer {
  if (code === undefined || code === 1005) return Buffer.alloc(0);
  const reasonBytes = Buffer.from(reason, "utf8");
  let reasonLength = Math.min(reasonBytes.length, 123);
  // Never cut a UTF-8 sequence in half: back off over continuation bytes.
  if (reasonLength < reasonBytes.length) {
    while (reasonLength > 0 && ((reasonBytes[reasonLength] ?? 0) & 0xc0) === 0x80) reasonLength--;
  }
  const out = Buffer.allocUnsafe(2 + reasonLength);
  out.writeUInt16BE(code, 0);
  reasonBytes.copy(out, 2, 0, reasonLength);
  return out;
}

/** A complete close frame. */
export function closeFrame(code?: number, reason?: string, options?: FrameOptions): Buffer {
  return frame(closePayload(code, reason), Opcode.CLOSE, options);
}
