/**
 * The messages nodes of a cluster exchange, as plain objects, and the checks that turn an untrusted
 * decoded value (anything a broker delivered) into one of them. Brokers only encode and decode bytes;
 * `ClusterAdapter` speaks these objects.
 *
 * The shapes and the request type numbers are those of `@socket.io/redis-adapter` (classic), so a broker
 * can put them on the wire unchanged and nodes running socket.io with that adapter, or the redis
 * emitter, understand them. Types from 100 up are Plexus's own (membership); socket.io nodes ignore them.
 */
import type { BroadcastFlags, Room, SocketId } from "./adapter.js";

/** A node of the cluster: a short random id, also the prefix of its socket ids. */
export type NodeId = string;

export const ClusterMessageType = {
  SOCKETS: 0,
  ALL_ROOMS: 1,
  REMOTE_JOIN: 2,
  REMOTE_LEAVE: 3,
  REMOTE_DISCONNECT: 4,
  REMOTE_FETCH: 5,
  SERVER_SIDE_EMIT: 6,
  BROADCAST: 7,
  BROADCAST_CLIENT_COUNT: 8,
  BROADCAST_ACK: 9,
  /** Plexus: "I am alive" (membership). */
  HEARTBEAT: 100,
  /** Plexus: "I am leaving" (closed cleanly: drop me from the membership now). */
  NODE_LEAVE: 101,
  /** Plexus: session routing bytes for one node (sent as a response to that node, cluster-routing.ts). */
  ROUTE: 102,
  /** Plexus: a change of the sender's presence entries in one room (`presence-message.ts`). */
  PRESENCE_DIFF: 110,
  /** Plexus: (a part of) the sender's presence entries, for one node. */
  PRESENCE_SNAPSHOT: 111,
} as const;
export type ClusterMessageTypeNumber = (typeof ClusterMessageType)[keyof typeof ClusterMessageType];

/** Targets on the wire: arrays, not sets. */
export interface WireTarget {
  readonly rooms: readonly Room[];
  readonly except: readonly Room[];
}

/** A Socket.IO packet as it crosses nodes (`nsp` may be absent: `/`). */
export interface WirePacket {
  readonly type: number;
  readonly nsp?: string;
  readonly data: unknown[];
  readonly id?: number;
}

/** A broadcast without acks (classic: the msgpack array `[uid, packet, opts]` on a broadcast channel). */
export interface BroadcastMessage {
  readonly uid: string;
  readonly packet: WirePacket;
  readonly opts: WireTarget & { readonly flags?: BroadcastFlags };
}

/** A request every (or one) node acts on. `requestId` is set when answers are expected. */
export interface RequestMessage {
  readonly uid: NodeId;
  readonly type: ClusterMessageTypeNumber;
  readonly requestId?: string;
  readonly opts?: WireTarget & { readonly flags?: BroadcastFlags };
  /** REMOTE_JOIN / REMOTE_LEAVE: the rooms to join or leave. SOCKETS: the rooms to look in. */
  readonly rooms?: readonly Room[];
  /** REMOTE_JOIN / REMOTE_LEAVE / REMOTE_DISCONNECT of one socket (classic's older form). */
  readonly sid?: SocketId;
  readonly room?: Room;
  readonly close?: boolean;
  /** SERVER_SIDE_EMIT: `[event, ...args]`. */
  readonly data?: unknown[];
  /** BROADCAST (with acks). */
  readonly packet?: WirePacket;
  /** HEARTBEAT: the internal address this node serves forwarded requests on (direct session routing). */
  readonly address?: string;
  /** PRESENCE_DIFF / PRESENCE_SNAPSHOT: checked by `presence-message.ts` where it is used. */
  readonly presence?: unknown;
}

/** An answer to a request. `uid` names the answering Plexus node (socket.io nodes do not set it). */
export interface ResponseMessage {
  readonly requestId: string;
  readonly uid?: NodeId;
  readonly type?: number;
  readonly sockets?: unknown[];
  readonly rooms?: unknown[];
  readonly data?: unknown;
  readonly clientCount?: number;
  readonly packet?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rooms may be numbers on the wire (socket.io accepts them); they are compared as strings here. */
function roomList(value: unknown): Room[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const out: Room[] = [];
  for (const item of value) {
    if (typeof item === "string") out.push(item);
    else if (typeof item === "number") out.push(String(item));
    else return undefined;
  }
  return out;
}

function flagsOf(value: unknown): BroadcastFlags | undefined {
  if (!isObject(value)) return undefined;
  const flags: { -readonly [K in keyof BroadcastFlags]: BroadcastFlags[K] } = {};
  if (value.volatile === true) flags.volatile = true;
  if (value.compress === false) flags.compress = false;
  if (value.binary === true) flags.binary = true;
  if (typeof value.timeout === "number" && Number.isFinite(value.timeout) && value.timeout >= 0) {
    flags.timeout = value.timeout;
  }
  if (value.expectSingleResponse === true) flags.expectSingleResponse = true;
  return flags;
}

function targetOf(value: unknown): (WireTarget & { flags?: BroadcastFlags }) | undefined {
  if (!isObject(value)) return undefined;
  const rooms = roomList(value.rooms);
  const except = roomList(value.except);
  if (rooms === undefined || except === undefined) return undefined;
  const flags = flagsOf(value.flags);
  return flags === undefined ? { rooms, except } : { rooms, except, flags };
}

/** Event packets only (EVENT, BINARY_EVENT): a broadcast never carries anything else. */
export function parsePacket(value: unknown): WirePacket | undefined {
  if (!isObject(value)) return undefined;
  const { type, nsp, data, id } = value;
  if (type !== 2 && type !== 5) return undefined;
  if (nsp !== undefined && typeof nsp !== "string") return undefined;
  if (!Array.isArray(data) || data.length === 0 || typeof data[0] !== "string") return undefined;
  if (id !== undefined && id !== null && !(Number.isInteger(id) && (id as number) >= 0)) return undefined;
  return { type: 2, nsp: nsp ?? "/", data };
}

/** Checks a decoded broadcast: the classic array form `[uid, packet, opts]` or the object form. */
export function parseBroadcast(value: unknown): BroadcastMessage | undefined {
  let uid: unknown;
  let rawPacket: unknown;
  let rawOpts: unknown;
  if (Array.isArray(value)) [uid, rawPacket, rawOpts] = value as [unknown, unknown, unknown];
  else if (isObject(value)) ({ uid, packet: rawPacket, opts: rawOpts } = value);
  else return undefined;
  if (typeof uid !== "string") return undefined;
  const packet = parsePacket(rawPacket);
  const opts = targetOf(rawOpts);
  if (packet === undefined || opts === undefined) return undefined;
  return { uid, packet, opts };
}

/** Longest internal address a heartbeat may carry (`host:port`; a longer one is ignored). */
const MAX_ADDRESS_LENGTH = 300;

const REQUEST_TYPES = new Set<number>(Object.values(ClusterMessageType));

/** Checks a decoded request; type-specific fields are checked where they are used. */
export function parseRequest(value: unknown): RequestMessage | undefined {
  if (!isObject(value)) return undefined;
  const { type, requestId } = value;
  // The redis emitter sends its join/leave/disconnect requests without a uid: they come from nobody.
  const uid = value.uid === undefined ? "" : value.uid;
  if (typeof uid !== "string" || typeof type !== "number" || !REQUEST_TYPES.has(type)) return undefined;
  if (requestId !== undefined && typeof requestId !== "string") return undefined;
  const out: { -readonly [K in keyof RequestMessage]: RequestMessage[K] } = {
    uid,
    type: type as ClusterMessageTypeNumber,
  };
  if (requestId !== undefined) out.requestId = requestId;
  if (value.opts !== undefined) {
    const opts = targetOf(value.opts);
    if (opts === undefined) return undefined;
    out.opts = opts;
  }
  if (value.rooms !== undefined) {
    const rooms = roomList(value.rooms);
    if (rooms === undefined) return undefined;
    out.rooms = rooms;
  }
  if (typeof value.sid === "string") out.sid = value.sid;
  if (typeof value.room === "string") out.room = value.room;
  if (typeof value.close === "boolean") out.close = value.close;
  if (typeof value.address === "string" && value.address.length <= MAX_ADDRESS_LENGTH)
    out.address = value.address;
  if (value.data !== undefined) {
    if (!Array.isArray(value.data)) return undefined;
    out.data = value.data;
  }
  if (value.packet !== undefined) {
    const packet = parsePacket(value.packet);
    if (packet === undefined) return undefined;
    out.packet = packet;
  }
  if (value.presence !== undefined) out.presence = value.presence;
  return out;
}

/** Checks a decoded response: a string `requestId` and, when present, a string `uid`. */
export function parseResponse(value: unknown): ResponseMessage | undefined {
  if (!isObject(value) || typeof value.requestId !== "string") return undefined;
  if (value.uid !== undefined && typeof value.uid !== "string") return undefined;
  if (value.sockets !== undefined && !Array.isArray(value.sockets)) return undefined;
  if (value.rooms !== undefined && !Array.isArray(value.rooms)) return undefined;
  if (
    value.clientCount !== undefined &&
    !(Number.isInteger(value.clientCount) && (value.clientCount as number) >= 0)
  )
    return undefined;
  return value as unknown as ResponseMessage;
}

/** A socket description from another node's fetch answer, or undefined when malformed. */
export function parseSocketDetails(
  value: unknown,
): { id: SocketId; handshake: unknown; rooms: Room[]; data: unknown } | undefined {
  if (!isObject(value) || typeof value.id !== "string") return undefined;
  const rooms = roomList(value.rooms);
  if (rooms === undefined) return undefined;
  return { id: value.id, handshake: value.handshake ?? {}, rooms, data: value.data };
}
