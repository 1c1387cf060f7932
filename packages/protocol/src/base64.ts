/**
 * Base64 for binary records of polling payloads (`b<base64>`, PROTOCOL.md §A3), on `Uint8Array`.
 * Layer: protocol. Pure JavaScript everywhere; where the host offers a native codec
 * (Node's `Buffer`, feature-detected, never imported) the same bytes are produced faster.
 */
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
// The URL-safe alphabet decodes too, as with Node's decoder.
LOOKUP[45 /* - */] = 62;
LOOKUP[95 /* _ */] = 63;

interface NativeBase64 {
  from(input: string, encoding: "base64"): Uint8Array;
  from(input: ArrayBufferLike, offset: number, length: number): { toString(encoding: "base64"): string };
}
const native = (globalThis as { Buffer?: NativeBase64 }).Buffer;

/** Encodes bytes as standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  if (native !== undefined)
    return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  return toBase64Portable(bytes);
}

/** The pure-JavaScript encoder used where no native codec exists (browsers); exported for tests. */
export function toBase64Portable(bytes: Uint8Array): string {
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

const VALID = /^[A-Za-z0-9+/_-]*={0,2}$/;
// Characters beyond Latin-1, which Node's decoder would read by their low byte. On a one-byte string (every
// valid record) V8 rejects this pattern without scanning.
const WIDE = /[\u0100-\uffff]/;

/**
 * Decodes base64 (standard alphabet; the URL-safe `-` and `_` are accepted too, as by Node and the
 * official parser; padding optional). Throws `ProtocolError` `ERR_EIO_INVALID_BASE64` on characters
 * outside the alphabet, an inner `=`, or an impossible length. Returns a `Buffer` where the host has one
 * (Node), a plain `Uint8Array` elsewhere.
 */
export function fromBase64(text: string, start = 0): Uint8Array {
  if (native === undefined) return fromBase64Portable(text, start);
  const body = start === 0 ? text : text.slice(start);
  // Hot path of polling payloads: validating with a regex first costs more than the decode itself. Node's
  // decoder skips characters outside the alphabet and stops at the first `=`, so any such character (or
  // surplus padding) shows as a result shorter than the length implies. Only characters beyond Latin-1,
  // which Node reads by their low byte, need a check of their own.
  const length = body.length;
  const end =
    length - (body.charCodeAt(length - 1) === 61 ? (body.charCodeAt(length - 2) === 61 ? 2 : 1) : 0);
  if (end % 4 === 1) throw invalidBase64();
  // Node's Buffer is a Uint8Array: handing it on unchanged lets server code receive `Buffer`s as with Socket.IO.
  const bytes = native.from(body, "base64");
  if (bytes.length !== (end * 3) >> 2 || WIDE.test(body)) throw invalidBase64();
  return bytes;
}

function invalidBase64(): ProtocolError {
  return new ProtocolError(ProtocolErrorCodes.EIO_INVALID_BASE64, "invalid base64 in binary record");
}

/** The pure-JavaScript decoder used where no native codec exists (browsers); exported for tests. */
export function fromBase64Portable(text: string, start = 0): Uint8Array {
  const body = start === 0 ? text : text.slice(start);
  if (!VALID.test(body)) throw invalidBase64();
  let end = body.length;
  while (end > 0 && body.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end % 4 === 1) throw invalidBase64();
  return decodeValidBase64(body, end);
}

/** `end`: length of `body` without its padding. */
function decodeValidBase64(body: string, end: number): Uint8Array {
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
