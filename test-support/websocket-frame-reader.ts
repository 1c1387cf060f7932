// Test helper: decodes the unmasked frames a server sent (RFC 6455 §5.2), stopping at an incomplete one.
// Test code only (engine and server tests, test-support/raw-tcp-websocket.ts).

export interface ReadFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export function decodeFrames(bytes: Buffer): ReadFrame[] {
  const frames: ReadFrame[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const b0 = bytes[offset]!;
    const b1 = bytes[offset + 1]!;
    let length = b1 & 0x7f;
    let header = 2;
    if (length === 126) {
      if (offset + 4 > bytes.length) break;
      length = bytes.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (offset + 10 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (offset + header + length > bytes.length) break;
    frames.push({
      fin: (b0 & 0x80) !== 0,
      opcode: b0 & 0x0f,
      payload: bytes.subarray(offset + header, offset + header + length),
    });
    offset += header + length;
  }
  return frames;
}
