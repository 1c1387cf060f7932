/**
 * What crosses the `node:cluster` IPC pipes of `@plexus/cluster-adapter`: envelopes a worker sends to the
 * primary (which relays them) and the primary's "node gone" notices. The cluster message itself travels as
 * MessagePack bytes (binary attachments, `undefined` and dates survive), carried as a base64 string over
 * the default `json` IPC serialization or as bytes with `serialization: "advanced"` (once the primary said
 * so: `SerializationNotice`). The checks here turn
 * whatever arrives on `process.on("message")` into an envelope, or reject it. Layer: cluster-adapter.
 */
import type { ClusterMessageKind, ClusterOutgoing, NodeId } from "@plexus/adapter";
import { decodeMsgpack, encodeMsgpack } from "@plexus/protocol";

/** Marks Plexus envelopes (other IPC traffic of the application is left alone). */
export const SOURCE = "_plexus_cluster";

const KINDS: readonly ClusterMessageKind[] = ["broadcast", "request", "response"];
const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A cluster message from one node: to every node of the namespace (`to: null`) or to one. */
export interface Envelope {
  readonly source: typeof SOURCE;
  /** Sending node. */
  readonly from: NodeId;
  /** Target node, `null` for every node. */
  readonly to: NodeId | null;
  readonly nsp: string;
  /** 0 broadcast, 1 request, 2 response. */
  readonly kind: number;
  /** MessagePack of the message: bytes (advanced serialization) or base64 (json serialization). */
  readonly data: string | Uint8Array;
}

/** The primary tells the workers a node is gone (its worker exited). */
export interface GoneNotice {
  readonly source: typeof SOURCE;
  readonly gone: NodeId;
}

/**
 * The primary tells each worker how its IPC channel serializes (a worker cannot see it), in answer to the
 * worker's first envelope: with `advanced`, envelopes carry bytes instead of base64 from then on.
 */
export interface SerializationNotice {
  readonly source: typeof SOURCE;
  readonly serialization: string;
}

/** True for a notice saying the channel carries bytes as bytes. */
export function isAdvancedNotice(value: unknown): boolean {
  return (value as Partial<SerializationNotice>).serialization === "advanced";
}

/** Encodes an outgoing message (synchronously: the cluster base mutates packets after the call). */
export function encodeEnvelope(
  from: NodeId,
  to: NodeId | null,
  nsp: string,
  out: ClusterOutgoing,
  binary: boolean,
): Envelope {
  const bytes = encodeMsgpack(out.message);
  return {
    source: SOURCE,
    from,
    to,
    nsp,
    kind: KINDS.indexOf(out.kind),
    data: binary ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64"),
  };
}

/** An envelope from an untrusted value, or `undefined` when it is not a well-formed Plexus envelope. */
export function parseEnvelope(value: unknown): Envelope | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.source !== SOURCE) return undefined;
  if (typeof v.from !== "string" || !NODE_ID.test(v.from)) return undefined;
  if (v.to !== null && (typeof v.to !== "string" || !NODE_ID.test(v.to))) return undefined;
  if (typeof v.nsp !== "string" || typeof v.kind !== "number" || KINDS[v.kind] === undefined)
    return undefined;
  if (typeof v.data !== "string" && !(v.data instanceof Uint8Array)) return undefined;
  return v as unknown as Envelope;
}

/** A gone notice from an untrusted value, or `undefined`. */
export function parseGoneNotice(value: unknown): GoneNotice | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  return v.source === SOURCE && typeof v.gone === "string" ? (v as unknown as GoneNotice) : undefined;
}

/** True for anything that claims to be Plexus traffic (checked or not). */
export function isPlexusMessage(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { source?: unknown }).source === SOURCE;
}

/**
 * The message of an envelope: its kind and decoded value (checked by the cluster base afterwards).
 * @throws on malformed MessagePack or a payload larger than `maxBytes`.
 */
export function decodeEnvelope(
  envelope: Envelope,
  maxBytes: number,
): { kind: ClusterMessageKind; message: unknown } {
  const { data } = envelope;
  // base64 is 4 characters per 3 bytes: checked before decoding anything.
  const size = typeof data === "string" ? Math.floor((data.length * 3) / 4) : data.length;
  if (size > maxBytes) throw new RangeError(`message of ${size} bytes, more than ${maxBytes}`);
  const bytes = typeof data === "string" ? Buffer.from(data, "base64") : data;
  if (bytes.length === 0) throw new RangeError("empty message");
  return { kind: KINDS[envelope.kind]!, message: decodeMsgpack(bytes) };
}
