/**
 * Bytes on the Redis channels. Classic mode speaks `@socket.io/redis-adapter`'s wire exactly: a broadcast
 * is the MessagePack array `[uid, packet, {rooms, except, flags}]`; requests and responses are JSON,
 * or MessagePack when they carry binary (and always for broadcast-with-ack requests and their acks, as
 * the classic adapter does). Sharded mode is Plexus-only: `[kind, message]` in MessagePack, kind 0
 * broadcast (`message` as the classic array `[uid, packet, opts]`), 1 request, 2 response (one node
 * channel carries all three); on a Redis Cluster `[kind, message, sender, seq]`.
 * Encoding uses the `parser` option (default `notepack.io`, as socket.io); decoding untrusted bytes uses
 * the bounds-checked decoder unless a custom parser was given.
 */
import type { BroadcastMessage, ClusterMessageKind, ClusterOutgoing } from "@plexus/adapter";
import { ClusterMessageType } from "@plexus/adapter";
import { hasBinary } from "@plexus/protocol";
import notepack from "notepack.io";
import { decodeMsgpack } from "./msgpack-decoder.js";

/** An encoder/decoder pair for MessagePack-like bytes (the classic adapter's `parser` option). */
export interface RedisParser {
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Uint8Array): unknown;
}

export const defaultParser: RedisParser = {
  encode: (value) => notepack.encode(value) as Buffer,
  decode: decodeMsgpack,
};

const OPEN_BRACE = 0x7b;

/** Classic request / response: JSON unless binary inside. */
export function encodeClassicMessage(out: ClusterOutgoing, parser: RedisParser): Uint8Array | string {
  if (out.kind === "broadcast") return encodeClassicBroadcast(out.message, parser);
  const message = out.message;
  const alwaysBinary =
    message.type === ClusterMessageType.BROADCAST || message.type === ClusterMessageType.BROADCAST_ACK;
  if (alwaysBinary || hasBinary(message)) return parser.encode(message);
  return JSON.stringify(message);
}

function encodeClassicBroadcast(message: BroadcastMessage, parser: RedisParser): Uint8Array | string {
  return parser.encode([message.uid, message.packet, message.opts]);
}

/** Decodes a classic request/response (`{` → JSON, else MessagePack). Throws on malformed input. */
export function decodeClassicMessage(bytes: Uint8Array, parser: RedisParser): unknown {
  if (bytes[0] === OPEN_BRACE)
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString());
  return parser.decode(bytes);
}

const KINDS: readonly ClusterMessageKind[] = ["broadcast", "request", "response"];

/**
 * A broadcast goes in the classic array form `[uid, packet, opts]` (no map keys: fewer bytes per copy).
 * `order` (Redis Cluster only): the sending node and its publish sequence number, appended so that a
 * receiver can put back in order what reached it over different shards' connections in one turn.
 */
export function encodeShardedMessage(
  out: ClusterOutgoing,
  parser: RedisParser,
  order?: readonly [string, number],
): Uint8Array | string {
  let message: unknown = out.message;
  if (out.kind === "broadcast") {
    const { uid, packet, opts } = out.message;
    message = [uid, packet, opts];
  }
  const kind = KINDS.indexOf(out.kind);
  return parser.encode(order === undefined ? [kind, message] : [kind, message, order[0], order[1]]);
}

export interface ShardedMessage {
  readonly kind: ClusterMessageKind;
  readonly message: unknown;
  /** Sending node and sequence number, when the sender is on a Redis Cluster. */
  readonly sender?: string;
  readonly seq?: number;
}

export function decodeShardedMessage(bytes: Uint8Array, parser: RedisParser): ShardedMessage | undefined {
  const value = parser.decode(bytes);
  if (!Array.isArray(value) || typeof value[0] !== "number") return undefined;
  const kind = KINDS[value[0]];
  if (kind === undefined) return undefined;
  if (value.length === 2) return { kind, message: value[1] };
  const [, message, sender, seq] = value;
  if (value.length !== 4 || typeof sender !== "string" || !Number.isSafeInteger(seq)) return undefined;
  return { kind, message, sender, seq: seq as number };
}
