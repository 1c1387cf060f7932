/**
 * Binary attachments of Socket.IO packets: detection, deconstruction into `{"_placeholder":true,"num":N}`
 * and reconstruction. Layer: protocol. PROTOCOL.md §B2.
 */

import { ProtocolError, ProtocolErrorCodes } from "./errors.js";
import type { Attachment } from "./socket-packet.js";

const hasBlob = typeof Blob === "function";

/** True for the values Socket.IO sends as attachments: ArrayBuffer, any ArrayBufferView (Buffer too), Blob/File. */
export function isBinary(value: unknown): value is Uint8Array | ArrayBuffer | ArrayBufferView | Blob {
  // isView first: one instance-type check covering Buffer and every typed array, no prototype walk.
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || (hasBlob && value instanceof Blob);
}

/**
 * Default limit on nesting (arrays/objects inside each other) of decoded payloads. Deeper input is refused
 * with `ERR_SIO_INVALID_PAYLOAD`: `JSON.parse` accepts any depth, but every later recursive walk (ours,
 * `JSON.stringify` on rebroadcast, `structuredClone`) would overflow the stack with a `RangeError`.
 */
export const DEFAULT_MAX_DEPTH = 1000;

/**
 * True when `value` holds a binary value anywhere, however deeply nested. Objects with `toJSON` are
 * searched through what `toJSON` returns, as `JSON.stringify` would serialise them.
 */
export function hasBinary(value: unknown): boolean {
  return hasBinaryAt(value, 0, false);
}

// `viaToJSON`: `value` is already the result of a `toJSON` call; JSON.stringify does not call `toJSON` on it again.
function hasBinaryAt(value: unknown, depth: number, viaToJSON: boolean): boolean {
  if (value === null || typeof value !== "object") return false;
  if (isBinary(value)) return true;
  // Deeper (or circular) data is not searched: JSON.stringify refuses it anyway.
  if (depth > DEFAULT_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinaryAt(value[i], depth + 1, false)) return true;
    return false;
  }
  if (!viaToJSON) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return hasBinaryAt(toJSON.call(value), depth + 1, true);
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasBinaryAt((value as Record<string, unknown>)[key], depth + 1, false)) {
      return true;
    }
  }
  return false;
}

function toAttachment(value: Uint8Array | ArrayBuffer | ArrayBufferView | Blob): Attachment {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  // Int16Array, DataView, ...: their bytes, as the official parser sends them.
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/**
 * Returns a copy of `value` with every binary value replaced by a placeholder, pushing the binaries onto
 * `out` in depth-first argument order. Placeholders count from 0 at `out[first]` (the encoder keeps the
 * text header in `out[0]`). The copy is only ever handed to `JSON.stringify`.
 */
export function deconstruct(value: unknown, out: unknown[], first = 0): unknown {
  return deconstructAt(value, out, first, false);
}

function deconstructAt(value: unknown, out: unknown[], first: number, viaToJSON: boolean): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isBinary(value)) {
    const placeholder = { _placeholder: true, num: out.length - first };
    out.push(toAttachment(value));
    return placeholder;
  }
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = deconstructAt(value[i], out, first, false);
    return copy;
  }
  if (value instanceof Date) return value;
  if (!viaToJSON) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return deconstructAt(toJSON.call(value), out, first, true);
  }
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = deconstructAt((value as Record<string, unknown>)[key], out, first, false);
    // An own `__proto__` key (JSON.parse makes them, e.g. in a relayed message) must stay a plain key:
    // assigning it would hit the `Object.prototype.__proto__` setter and drop it from the output.
    if (key === "__proto__")
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true });
    else copy[key] = item;
  }
  return copy;
}

/**
 * Puts attachments back in place of their placeholders, in place. Throws `ERR_SIO_INVALID_PLACEHOLDER`
 * for a placeholder whose `num` has no attachment, `ERR_SIO_INVALID_PAYLOAD` for nesting deeper than `maxDepth`.
 */
export function reconstruct(
  value: unknown,
  attachments: readonly Uint8Array[],
  maxDepth = DEFAULT_MAX_DEPTH,
  depth = 0,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > maxDepth) throw tooDeep();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reconstruct(value[i], attachments, maxDepth, depth + 1);
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
  for (const key in record) record[key] = reconstruct(record[key], attachments, maxDepth, depth + 1);
  return value;
}

/** Throws `ERR_SIO_INVALID_PAYLOAD` when parsed JSON nests containers deeper than `maxDepth`. */
export function checkDepth(value: unknown, maxDepth: number, depth = 0): void {
  if (value === null || typeof value !== "object") return;
  if (depth > maxDepth) throw tooDeep();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "object" && item !== null) checkDepth(item, maxDepth, depth + 1);
    }
    return;
  }
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null) checkDepth(item, maxDepth, depth + 1);
  }
}

function tooDeep(): ProtocolError {
  return new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "payload nested too deeply");
}
