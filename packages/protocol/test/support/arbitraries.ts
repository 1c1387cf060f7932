// fast-check arbitraries shared by the property and differential tests: valid packets of both layers,
// with unicode (astral characters, lone surrogates) and binary nested at random depths.

import { type EnginePacket, RESERVED_EVENTS, type SocketPacket, SocketPacketType } from "@plexus/protocol";
import fc from "fast-check";

/** One unit of text: any code point, lone surrogates, and characters that are separators somewhere. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\ud83c") },
  {
    weight: 2,
    arbitrary: fc.constantFrom("\x1e", ",", "/", "-", '"', "\\", "[", "{", "0", "9", "\u2028", "\0"),
  },
);

export const unicodeString = (maxLength = 12): fc.Arbitrary<string> => fc.string({ unit, maxLength });

const safeDouble = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));

const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  safeDouble,
  unicodeString(),
);

// `_placeholder` is the one key real data cannot use (the wire format itself would be ambiguous).
const key = fc.oneof(
  { weight: 8, arbitrary: unicodeString(6).filter((k) => k !== "_placeholder") },
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "toString", "constructor", "num") },
);

/** Bytes as the application may hand them over; `expectedBytes` gives what the peer receives. */
const binary: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
);

function objectOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc.array(fc.tuple(key, value), { maxLength: 4 }).map((entries) => {
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key is an own data property, as JSON.parse makes it.
    for (const [k, v] of entries)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

/** JSON values, optionally with binary values nested at random depths. */
export function jsonValue(withBinary: boolean): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 5, arbitrary: jsonLeaf },
      { weight: withBinary ? 1 : 0, arbitrary: binary },
      { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
      { weight: 2, arbitrary: objectOf(tie("value")) },
    ),
  }));
  return value;
}

export const namespace: fc.Arbitrary<string> = fc.oneof(
  fc.constant("/"),
  fc.constantFrom("/admin", "/chat-1"),
  unicodeString(8).map((s) => `/${s.replaceAll(",", "")}`),
);

const ackId = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 999_999_999_999_999 }));

const eventName = fc.oneof(
  unicodeString(10).filter((n) => !RESERVED_EVENTS.has(n)),
  fc.integer(),
);

const plainObject = objectOf(jsonValue(false));

/** Valid Socket.IO packets as an application (or the server) would hand them to the encoder. */
export function socketPacket(withBinary = true): fc.Arbitrary<SocketPacket> {
  const args = fc.array(jsonValue(withBinary), { maxLength: 5 });
  return fc.oneof(
    fc
      .record({ nsp: namespace, data: fc.option(plainObject, { nil: undefined }) })
      .map(({ nsp, data }) =>
        data === undefined
          ? { type: SocketPacketType.CONNECT, nsp }
          : { type: SocketPacketType.CONNECT, nsp, data },
      ),
    namespace.map((nsp) => ({ type: SocketPacketType.DISCONNECT, nsp })),
    fc
      .record({ nsp: namespace, id: fc.option(ackId, { nil: undefined }), name: eventName, args })
      .map(({ nsp, id, name, args }) =>
        id === undefined
          ? { type: SocketPacketType.EVENT, nsp, data: [name, ...args] }
          : { type: SocketPacketType.EVENT, nsp, id, data: [name, ...args] },
      ),
    fc
      .record({ nsp: namespace, id: ackId, args })
      .map(({ nsp, id, args }) => ({ type: SocketPacketType.ACK, nsp, id, data: args })),
    fc
      .record({ nsp: namespace, data: fc.oneof(unicodeString(), plainObject) })
      .map(({ nsp, data }) => ({ type: SocketPacketType.CONNECT_ERROR, nsp, data })),
  );
}

/** Engine.IO packets; text data never holds the record separator (PROTOCOL.md §A3). */
export const enginePacket: fc.Arbitrary<EnginePacket> = fc.oneof(
  fc.constantFrom("open", "close", "ping", "pong", "message", "upgrade", "noop").chain((type) =>
    fc
      .option(
        unicodeString(20).filter((s) => s.length > 0 && !s.includes("\x1e")),
        { nil: undefined },
      )
      .map((data) => (data === undefined ? { type } : { type, data })),
  ),
  fc.uint8Array({ maxLength: 40 }).map((data): EnginePacket => ({ type: "message", data })),
);

/** What the receiver gets for `packet` after a round trip: EVENT/ACK with binary become BINARY_*. */
export function expectedAfterDecode(packet: SocketPacket): SocketPacket {
  let type = packet.type;
  if (packet.data !== undefined && containsBinary(packet.data)) {
    if (type === SocketPacketType.EVENT) type = SocketPacketType.BINARY_EVENT;
    if (type === SocketPacketType.ACK) type = SocketPacketType.BINARY_ACK;
  }
  const nsp = packet.nsp === "" ? "/" : packet.nsp;
  const out: { type: SocketPacketType; nsp: string; id?: number; data?: unknown } = { type, nsp };
  if (packet.id !== undefined) out.id = packet.id;
  if (packet.data !== undefined) out.data = packet.data;
  return out;
}

function containsBinary(value: unknown): boolean {
  if (value instanceof Uint8Array) return true;
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(containsBinary);
}

/** Replaces every Buffer by a plain Uint8Array copy, so values compare by bytes whatever the class. */
export function plainBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plainBytes);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, {
      value: plainBytes(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
