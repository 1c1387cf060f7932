/**
 * Base64 for binary records of polling payloads (`b<base64>`, PROTOCOL.md §A3), on `Uint8Array`.
 * Layer: protocol. Pure JavaScript everywhere; where the host offers a native codec
 * (Node's `Buffer`, feature-detected, never imported) the same bytes are produced faster.
 */
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

interface NativeBase64 {
  from(input: string, encoding: "base64"): Uint8Array;
  from(input: ArrayBufferLike, offset: number, length: number): { toString(encoding: "base64"): string };
}
const native = (globalThis as { Buffer?: NativeBase64 }).Buffer;

/** Encodes bytes as standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  if (native !== undefined) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let out = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
  }
  if (i < n) {
    const a = bytes[i]!;
    const b = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (a << 16) | (b << 8);
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]!;
    out += i + 1 < n ? `${ALPHABET[(v >> 6) & 63]!}=` : "==";
  }
  return out;
}

const VALID = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 (padding optional). Throws `ProtocolError` `ERR_EIO_INVALID_BASE64`
 * on characters outside the alphabet or an impossible length.
 */
export function fromBase64(text: string, start = 0): Uint8Array {
  const body = start === 0 ? text : text.slice(start);
  if (body.length % 4 === 1 || !VALID.test(body)) {
    throw new ProtocolError(ProtocolErrorCodes.EIO_INVALID_BASE64, "invalid base64 in binary record");
  }
  if (native !== undefined) {
    // Node's Buffer is a Uint8Array: handing it on unchanged lets server code receive `Buffer`s as with Socket.IO.
    return native.from(body, "base64");
  }
  let end = body.length;
  while (end > 0 && body.charCodeAt(end - 1) === 61 /* = */) end--;
  const out = new Uint8Array((end * 3) >> 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    acc = (acc << 6) | LOOKUP[body.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
