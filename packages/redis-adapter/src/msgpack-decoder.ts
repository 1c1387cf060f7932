/**
 * A MessagePack decoder for what arrives on the Redis channels, which anyone with access to Redis can
 * publish to. It reads what `notepack.io` (socket.io's encoder, used here to encode) writes — including its
 * extensions: `undefined` as fixext 1 type 0, ArrayBuffer as ext type 0, timestamps as ext -1 — with
 * every declared length checked against the bytes actually present before anything is allocated, a
 * nesting limit, and `__proto__` keys kept as plain data. Malformed input throws `MsgpackError`.
 */

export class MsgpackError extends Error {
  override readonly name = "MsgpackError";
  readonly code = "ERR_MSGPACK_INVALID";
}

const MAX_DEPTH = 64;
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Decodes one MessagePack value that must span the whole buffer. */
export function decodeMsgpack(buffer: Uint8Array): unknown {
  const reader = new Reader(buffer);
  const value = reader.value(0);
  if (reader.offset !== buffer.length)
    throw new MsgpackError(`${buffer.length - reader.offset} trailing bytes`);
  return value;
}

class Reader {
  offset = 0;
  private readonly buf: Uint8Array;
  private readonly view: DataView;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Moves past `n` bytes after checking they exist; returns where they start. */
  private take(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.buf.length) throw new MsgpackError("truncated input");
    this.offset = at + n;
    return at;
  }

  private u8(): number {
    return this.buf[this.take(1)]!;
  }
  private u16(): number {
    return this.view.getUint16(this.take(2));
  }
  private u32(): number {
    return this.view.getUint32(this.take(4));
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new MsgpackError("nesting too deep");
    const prefix = this.u8();
    if (prefix < 0x80) return prefix;
    if (prefix < 0x90) return this.map(prefix & 0x0f, depth);
    if (prefix < 0xa0) return this.array(prefix & 0x0f, depth);
    if (prefix < 0xc0) return this.str(prefix & 0x1f);
    if (prefix > 0xdf) return prefix - 0x100;
    const v = this.view;
    switch (prefix) {
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
        return v.getFloat32(this.take(4));
      case 0xcb:
        return v.getFloat64(this.take(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        const at = this.take(8);
        return v.getUint32(at) * 2 ** 32 + v.getUint32(at + 4);
      }
      case 0xd0:
        return v.getInt8(this.take(1));
      case 0xd1:
        return v.getInt16(this.take(2));
      case 0xd2:
        return v.getInt32(this.take(4));
      case 0xd3: {
        const at = this.take(8);
        return v.getInt32(at) * 2 ** 32 + v.getUint32(at + 4);
      }
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
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
        throw new MsgpackError(`unknown type byte 0x${prefix.toString(16)}`);
    }
  }

  private str(length: number): string {
    const at = this.take(length);
    return utf8.decode(this.buf.subarray(at, at + length));
  }

  private bin(length: number): Buffer {
    const at = this.take(length);
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + at, length);
  }

  private array(length: number, depth: number): unknown[] {
    // Every element takes at least one byte: a length beyond the bytes left is a lie.
    if (length > this.buf.length - this.offset) throw new MsgpackError("array longer than the input");
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) out[i] = this.value(depth + 1);
    return out;
  }

  private map(length: number, depth: number): Record<string, unknown> {
    if (length * 2 > this.buf.length - this.offset) throw new MsgpackError("map longer than the input");
    const out: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number")
        throw new MsgpackError("map key is not a string");
      const value = this.value(depth + 1);
      Object.defineProperty(out, String(key), {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /** notepack's extensions; any other type comes back as `[type, bytes]` as notepack does. */
  private ext(length: number): unknown {
    const type = this.view.getInt8(this.take(1));
    const at = this.take(length);
    if (type === 0) {
      if (length === 1) return undefined;
      if (length === 8 && this.isFixext(at)) {
        return new Date(this.view.getInt32(at) * 2 ** 32 + this.view.getUint32(at + 4));
      }
      return this.buf.slice(at, at + length).buffer;
    }
    if (type === -1) {
      if (length === 4) return new Date(this.view.getUint32(at) * 1e3);
      if (length === 8) {
        const hi = this.view.getUint32(at);
        const seconds = (hi & 0x3) * 2 ** 32 + this.view.getUint32(at + 4);
        return new Date(seconds * 1e3 + (hi >>> 2) / 1e6);
      }
      if (length === 12) {
        const ns = this.view.getUint32(at);
        const seconds = this.view.getInt32(at + 4) * 2 ** 32 + this.view.getUint32(at + 8);
        return new Date(seconds * 1e3 + ns / 1e6);
      }
    }
    return [type, Buffer.from(this.buf.subarray(at, at + length))];
  }

  /** fixext 8 (0xd7) with type 0 is notepack's old date encoding; ext 8 (0xc7 0x08) is an ArrayBuffer. */
  private isFixext(at: number): boolean {
    return this.buf[at - 2] === 0xd7;
  }
}
