/**
 * Binary attachments of Socket.IO packets: detection, deconstruction into `{"_placeholder":true,"num":N}`
 * and reconstruction. Layer: protocol. PROTOCOL.md §B2.
 */
import type { Attachment } from "./socket-packet.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

const hasBlob = typeof Blob === "function";

/** True for the values Socket.IO sends as attachments: ArrayBuffer, any ArrayBufferView (Buffer too), Blob/File. */
export function isBinary(value: unknown): value is Uint8Array | ArrayBuffer | ArrayBufferView | Blob {
  return (
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (hasBlob && value instanceof Blob)
  );
}

/** True when `value` holds a binary value anywhere, however deeply nested (objects with `toJSON` included). */
export function hasBinary(value: unknown): boolean {
  return hasBinaryAt(value, 0);
}

function hasBinaryAt(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (isBinary(value)) return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinaryAt(value[i], depth + 1)) return true;
    return false;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return hasBinaryAt(toJSON.call(value), depth + 1);
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasBinaryAt((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** Nesting beyond this depth is not searched for binary (and is refused when reconstructing). */
const MAX_DEPTH = 1000;

function toAttachment(value: Uint8Array | ArrayBuffer | ArrayBufferView | Blob): Attachment {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/**
 * Returns a copy of `value` with every binary value replaced by a placeholder, pushing the binaries onto
 * `out` in depth-first argument order. Plain data is shared, not copied, where it holds no binary.
 */
export function deconstruct(value: unknown, out: Attachment[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isBinary(value)) {
    const placeholder = { _placeholder: true, num: out.length };
    out.push(toAttachment(value));
    return placeholder;
  }
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = deconstruct(value[i], out);
    return copy;
  }
  if (value instanceof Date) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return deconstruct(toJSON.call(value), out);
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.hasOwn(value, key)) copy[key] = deconstruct((value as Record<string, unknown>)[key], out);
  }
  return copy;
}

/**
 * Puts attachments back in place of their placeholders, in place. Throws `ERR_SIO_INVALID_PLACEHOLDER`
 * for a placeholder whose `num` has no attachment.
 */
export function reconstruct(value: unknown, attachments: readonly Uint8Array[], depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) {
    throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "payload nested too deeply");
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reconstruct(value[i], attachments, depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (record._placeholder === true) {
    const num = record.num;
    if (typeof num === "number" && Number.isInteger(num) && num >= 0 && num < attachments.length) {
      return attachments[num];
    }
    throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PLACEHOLDER, "illegal attachment placeholder");
  }
  for (const key in record) record[key] = reconstruct(record[key], attachments, depth + 1);
  return value;
}
