/**
 * MessagePack values, as the msgpack flavour of Socket.IO puts them on the wire (socket.io-msgpack-parser,
 * which uses notepack.io). Written from the MessagePack specification plus the three extension choices that
 * flavour makes, so both ends understand each other:
 *   - `undefined` is fixext 1 of type 0 (`d4 00 00`);
 *   - a `Date` is fixext 8 of type 0: milliseconds since the epoch as a big-endian int64 (`d7 00 …`);
 *   - an `ArrayBuffer` (or a typed array other than `Uint8Array`) is ext 8/16/32 of type 0 holding its bytes,
 *     while a `Uint8Array` (a Node `Buffer`) is `bin`.
 * Integers take the smallest representation, other numbers float 64. Layer: protocol (pure, isomorphic).
 */
import { DEFAULT_MAX_DEPTH } from "./binary.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const TWO_32 = 2 ** 32;

/** A growable output buffer. */
class Writer {
  bytes = new Uint8Array(128);
  view = new DataView(this.bytes.buffer);
  pos = 0;

  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.pos++] = b;
  }

  /** A type byte followed by an unsigned big-endian length of 1, 2 or 4 bytes. */
  header(type: number, size: 1 | 2 | 4, length: number): void {
    this.reserve(1 + size);
    this.bytes[this.pos++] = type;
    if (size === 1) this.view.setUint8(this.pos, length);
    else if (size === 2) this.view.setUint16(this.pos, length);
    else this.view.setUint32(this.pos, length);
    this.pos += size;
  }

  /** Header of a str/bin/ext/array/map whose length picks 8, 16 or 32 bits (`fix` for the short form). */
  sized(
    length: number,
    fix: number | undefined,
    fixMax: number,
    t8: number | undefined,
    t16: number,
    t32: number,
  ) {
    if (fix !== undefined && length < fixMax) this.byte(fix | length);
    else if (t8 !== undefined && length < 0x100) this.header(t8, 1, length);
    else if (length < 0x10000) this.header(t16, 2, length);
    else this.header(t32, 4, length);
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  int64(type: number, hi: number, lo: number): void {
    this.reserve(9);
    this.bytes[this.pos] = type;
    this.view.setUint32(this.pos + 1, hi >>> 0);
    this.view.setUint32(this.pos + 5, lo);
    this.pos += 9;
  }
}

/**
 * Encodes one value. Functions and symbols are left out of objects and become `nil` in arrays (as JSON
 * would); an object with `toJSON` is encoded as what that returns.
 * @throws TypeError for a `bigint`, a `Blob` (not readable synchronously), or nesting deeper than `maxDepth`
 *   (which includes cycles).
 *
 * @example
 * ```ts
 * encodeMsgpack({ type: 2, nsp: "/", data: ["hi"] });
 * // → Uint8Array [0x83, 0xa4, 0x74, 0x79, 0x70, 0x65, 0x02, 0xa3, 0x6e, 0x73, 0x70, 0xa1, 0x2f, ...]
 * ```
 */
export function encodeMsgpack(value: unknown, maxDepth = DEFAULT_MAX_DEPTH): Uint8Array {
  const w = new Writer();
  write(w, value, maxDepth);
  return w.bytes.subarray(0, w.pos);
}

function write(w: Writer, value: unknown, depth: number): void {
  switch (typeof value) {
    case "string":
      writeString(w, value);
      return;
    case "number":
      writeNumber(w, value);
      return;
    case "boolean":
      w.byte(value ? 0xc3 : 0xc2);
      return;
    case "undefined":
      w.byte(0xd4);
      w.byte(0);
      w.byte(0);
      return;
    case "bigint":
      throw new TypeError("msgpack: a BigInt cannot be encoded");
    case "object":
      if (value === null) w.byte(0xc0);
      else writeObject(w, value, depth);
      return;
    default:
      // Functions and symbols: nil in an array, as JSON writes them.
      w.byte(0xc0);
  }
}

function writeString(w: Writer, value: string): void {
  // Encode behind the longest header, then move the bytes back if a shorter header does.
  const max = value.length * 3;
  w.reserve(5 + max);
  const start = w.pos;
  const written = textEncoder.encodeInto(value, w.bytes.subarray(start + 5)).written;
  const headerSize = written < 0x20 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
  if (headerSize !== 5) w.bytes.copyWithin(start + headerSize, start + 5, start + 5 + written);
  w.sized(written, 0xa0, 0x20, 0xd9, 0xda, 0xdb);
  w.pos = start + headerSize + written;
}

function writeNumber(w: Writer, value: number): void {
  // Integers beyond 2^53 still take int 64 up to its range (as the reference does); the rest is float 64.
  if (!Number.isInteger(value) || value >= 2 ** 64 || value < -(2 ** 63)) {
    w.reserve(9);
    w.bytes[w.pos] = 0xcb;
    w.view.setFloat64(w.pos + 1, value);
    w.pos += 9;
  } else if (value >= 0) {
    if (value < 0x80) w.byte(value);
    else if (value < 0x100) w.header(0xcc, 1, value);
    else if (value < 0x10000) w.header(0xcd, 2, value);
    else if (value < TWO_32) w.header(0xce, 4, value);
    else w.int64(0xcf, Math.floor(value / TWO_32), value >>> 0);
  } else if (value >= -0x20) w.byte(value & 0xff);
  else if (value >= -0x80) {
    w.byte(0xd0);
    w.byte(value & 0xff);
  } else if (value >= -0x8000) w.header(0xd1, 2, value & 0xffff);
  else if (value >= -0x80000000) w.header(0xd2, 4, value >>> 0);
  else w.int64(0xd3, Math.floor(value / TWO_32), value >>> 0);
}

function writeObject(w: Writer, value: object, depth: number): void {
  if (depth <= 0) throw new TypeError("msgpack: value nested too deeply (or cyclic)");
  if (Array.isArray(value)) {
    w.sized(value.length, 0x90, 0x10, undefined, 0xdc, 0xdd);
    for (let i = 0; i < value.length; i++) write(w, value[i], depth - 1);
    return;
  }
  if (value instanceof Uint8Array) {
    w.sized(value.length, undefined, 0, 0xc4, 0xc5, 0xc6);
    w.raw(value);
    return;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes =
      value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    w.sized(bytes.length, undefined, 0, 0xc7, 0xc8, 0xc9);
    w.byte(0); // extension type 0: an ArrayBuffer
    w.raw(bytes);
    return;
  }
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) {
      w.byte(0xc0);
      return;
    }
    w.reserve(10);
    w.bytes[w.pos] = 0xd7;
    w.bytes[w.pos + 1] = 0; // extension type 0: a Date, int64 milliseconds
    w.view.setInt32(w.pos + 2, Math.floor(time / TWO_32));
    w.view.setUint32(w.pos + 6, time >>> 0);
    w.pos += 10;
    return;
  }
  if (typeof Blob === "function" && value instanceof Blob) {
    throw new TypeError("msgpack: a Blob cannot be encoded; send its ArrayBuffer");
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    write(w, toJSON.call(value), depth - 1);
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => {
    const t = typeof record[k];
    return t !== "function" && t !== "symbol";
  });
  w.sized(keys.length, 0x80, 0x10, undefined, 0xde, 0xdf);
  for (const key of keys) {
    writeString(w, key);
    write(w, record[key], depth - 1);
  }
}

/**
 * Reads a MessagePack extension this flavour does not define (any type but 0; fixext 2, 4 or 16 of type 0)
 * instead of refusing it. `data` is a view of the input: copy what you keep. `fixed` tells fixext from ext.
 * Used by `@plexus/redis-adapter` for notepack.io's timestamps and `[type, bytes]` pairs.
 */
export type MsgpackExtensionReader = (type: number, data: Uint8Array, fixed: boolean) => unknown;

/**
 * Decodes one value that must span all of `bytes`. `bin` comes back as a view of `bytes` of the same class
 * (a `Buffer` in, `Buffer`s out), ext type 0 as an `ArrayBuffer` copy, fixext 8 type 0 as a `Date`; other
 * extensions go to `extension`, or are refused without one.
 * @throws ProtocolError `ERR_SIO_INVALID_MSGPACK` on truncated, trailing, unknown or too deeply nested input.
 */
export function decodeMsgpack(
  bytes: Uint8Array,
  maxDepth = DEFAULT_MAX_DEPTH,
  extension?: MsgpackExtensionReader,
): unknown {
  const r = new Reader(bytes, maxDepth, extension);
  const value = r.value(0);
  if (r.pos !== bytes.length) throw invalid(`${bytes.length - r.pos} trailing bytes`);
  return value;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCodes.SIO_INVALID_MSGPACK, `msgpack: ${message}`);
}

class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly extension: MsgpackExtensionReader | undefined,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Moves past `n` bytes, returning where they start. */
  private take(n: number): number {
    const at = this.pos;
    if (n > this.bytes.length - at) throw invalid("truncated input");
    this.pos = at + n;
    return at;
  }

  private u8(): number {
    return this.view.getUint8(this.take(1));
  }

  private u16(): number {
    return this.view.getUint16(this.take(2));
  }

  private u32(): number {
    return this.view.getUint32(this.take(4));
  }

  value(depth: number): unknown {
    const type = this.u8();
    if (type < 0x80) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type < 0x90) return this.map(type & 0x0f, depth);
    if (type < 0xa0) return this.array(type & 0x0f, depth);
    if (type < 0xc0) return this.str(type & 0x1f);
    const view = this.view;
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u8());
      case 0xc5:
        return this.bin(this.u16());
      case 0xc6:
        return this.bin(this.u32());
      case 0xc7:
        return this.ext(this.u8());
      case 0xc8:
        return this.ext(this.u16());
      case 0xc9:
        return this.ext(this.u32());
      case 0xca:
        return view.getFloat32(this.take(4));
      case 0xcb:
        return view.getFloat64(this.take(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        const at = this.take(8);
        return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
      }
      case 0xd0:
        return view.getInt8(this.take(1));
      case 0xd1:
        return view.getInt16(this.take(2));
      case 0xd2:
        return view.getInt32(this.take(4));
      case 0xd3: {
        const at = this.take(8);
        return view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
      }
      case 0xd4:
        return this.fixext(1);
      case 0xd5:
        return this.fixext(2);
      case 0xd6:
        return this.fixext(4);
      case 0xd7:
        return this.fixext(8);
      case 0xd8:
        return this.fixext(16);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        throw invalid(`unknown type byte 0x${type.toString(16)}`);
    }
  }

  private str(length: number): string {
    const at = this.take(length);
    const bytes = this.bytes;
    // Short ASCII strings (keys, event names) are cheaper to build by hand than through TextDecoder.
    if (length < 16) {
      let out = "";
      for (let i = at; i < at + length; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) return textDecoder.decode(bytes.subarray(at, at + length));
        out += String.fromCharCode(c);
      }
      return out;
    }
    return textDecoder.decode(bytes.subarray(at, at + length));
  }

  private bin(length: number): Uint8Array {
    const at = this.take(length);
    return this.bytes.subarray(at, at + length);
  }

  private ext(length: number): unknown {
    const type = this.view.getInt8(this.take(1));
    if (type !== 0) return this.foreign(type, this.take(length), length, false);
    const at = this.take(length);
    const copy = new Uint8Array(length);
    copy.set(this.bytes.subarray(at, at + length));
    return copy.buffer;
  }

  private fixext(length: number): unknown {
    const type = this.view.getInt8(this.take(1));
    const at = this.take(length);
    if (type === 0 && length === 1) return undefined;
    if (type === 0 && length === 8) {
      return new Date(this.view.getInt32(at) * TWO_32 + this.view.getUint32(at + 4));
    }
    return this.foreign(type, at, length, true);
  }

  /** An extension of another flavour: the caller's reader decides, or the input is refused. */
  private foreign(type: number, at: number, length: number, fixed: boolean): unknown {
    if (this.extension === undefined) {
      throw invalid(`unsupported extension type ${type}${fixed ? ` of ${length} bytes` : ""}`);
    }
    return this.extension(type, this.bytes.subarray(at, at + length), fixed);
  }

  private enter(depth: number, count: number, minBytes: number): void {
    if (depth >= this.maxDepth) throw invalid("nested too deeply");
    // Every element takes at least one byte: a huge announced count on short input fails before allocating.
    if (count * minBytes > this.bytes.length - this.pos) throw invalid("truncated input");
  }

  private array(length: number, depth: number): unknown[] {
    this.enter(depth, length, 1);
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) out[i] = this.value(depth + 1);
    return out;
  }

  private map(length: number, depth: number): Record<string, unknown> {
    this.enter(depth, length, 2);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number") throw invalid("map key is not a string");
      const value = this.value(depth + 1);
      const name = String(key);
      // An own property, as JSON.parse makes it: a "__proto__" key never changes the prototype.
      if (name === "__proto__") {
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      } else out[name] = value;
    }
    return out;
  }
}
