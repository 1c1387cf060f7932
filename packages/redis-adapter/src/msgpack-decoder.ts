/**
 * The MessagePack decoder for what arrives on the Redis channels, which anyone with access to Redis can
 * publish to: `@plexus/protocol`'s bounds-checked decoder (every declared length checked against the bytes
 * present before anything is allocated, `__proto__` keys kept as plain data) with a nesting limit of 64 and
 * the rest of what `notepack.io` (socket.io's encoder, used here to encode) reads: timestamps (ext -1) as
 * `Date`s and any other extension as notepack's `[type, bytes]`. `bin` always comes back as a `Buffer`, as
 * from notepack. Malformed input throws `MsgpackError`. Layer: redis-adapter (above protocol).
 */
import { decodeMsgpack as decodeProtocolMsgpack, ProtocolError } from "@plexus/protocol";

export class MsgpackError extends Error {
  override readonly name = "MsgpackError";
  readonly code = "ERR_MSGPACK_INVALID";
}

const MAX_DEPTH = 64;

/** notepack.io's extensions beyond the Socket.IO flavour's. `data` is a view of the input. */
function notepackExtension(type: number, data: Uint8Array, fixed: boolean): unknown {
  if (type === -1) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (fixed && data.length === 4) return new Date(view.getUint32(0) * 1e3);
    if (fixed && data.length === 8) {
      const hi = view.getUint32(0);
      const seconds = (hi & 0x3) * 2 ** 32 + view.getUint32(4);
      return new Date(seconds * 1e3 + (hi >>> 2) / 1e6);
    }
    if (!fixed && data.length === 12) {
      const ns = view.getUint32(0);
      const seconds = view.getInt32(4) * 2 ** 32 + view.getUint32(8);
      return new Date(seconds * 1e3 + ns / 1e6);
    }
  }
  return [type, Buffer.from(data)];
}

/** Decodes one MessagePack value that must span the whole buffer. */
export function decodeMsgpack(buffer: Uint8Array): unknown {
  // A Buffer in gives Buffers out for `bin` (views, not copies).
  const bytes = Buffer.isBuffer(buffer)
    ? buffer
    : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length);
  try {
    return decodeProtocolMsgpack(bytes, MAX_DEPTH, notepackExtension);
  } catch (err) {
    if (err instanceof ProtocolError) throw new MsgpackError(err.message);
    throw err;
  }
}
