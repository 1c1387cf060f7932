/**
 * Presence, server layer: `io.presence(room)` / `nsp.presence(room)`. Tracks sockets of this node under a
 * key (a user id) with a meta (JSON), keeps the namespace adapter's presence table (`@plexus/adapter`,
 * presence-table.ts; replicated across nodes by a cluster adapter) and turns its changes into
 * `join`/`leave` events and ordinary Socket.IO events for the room's local sockets:
 * - `presence_state` (the whole list `{ [key]: meta[] }`), once, to a socket right after it is tracked;
 * - `presence_diff` (`{ joins, leaves }`, same shape), to the room's sockets on this node, for every change
 *   anywhere in the cluster. A socket never receives the diff of its own join (its state holds it) or of
 *   its own leave.
 * Every meta carries `presence_ref`, the id of the tracking, so a leave names the meta that left.
 */
import { EventEmitter } from "node:events";
import {
  type Adapter,
  newId,
  PRESENCE_REF,
  type PresenceDiff,
  PresenceError,
  PresenceErrorCodes,
  type PresenceMeta,
  type PresenceState,
  type PresenceTable,
  type Room,
  type SocketId,
} from "@plexus/adapter";
import { broadcastEvent } from "./broadcast-operator.js";
import type { Namespace } from "./namespace.js";
import { ServerError, ServerErrorCodes } from "./server-error.js";
import type { Socket } from "./socket.js";

/** Limits of one room's presence. Read when the room's presence is created (the first `presence(room)` call). */
export interface PresenceOptions {
  /** Most metas (tracked sockets: tabs, devices) one key may have in the room, across the cluster. Default 32. */
  readonly maxMetasPerKey?: number;
  /** Longest meta, in bytes of its JSON text (UTF-8). Default 1024. */
  readonly maxMetaBytes?: number;
  /** Longest key, in characters. Default 256. */
  readonly maxKeyLength?: number;
}

export const PRESENCE_DEFAULTS: Required<PresenceOptions> = Object.freeze({
  maxMetasPerKey: 32,
  maxMetaBytes: 1024,
  maxKeyLength: 256,
});

/** Events of a {@link Presence}: one per meta that joined or left, anywhere in the cluster. */
export interface PresenceEvents {
  join: [key: string, meta: PresenceMeta];
  leave: [key: string, meta: PresenceMeta];
}

/** A socket of any namespace typing (presence only joins it to the room and emits two events to it). */
// biome-ignore lint/suspicious/noExplicitAny: any event maps and socket data.
type AnySocket = Socket<any, any, any, any>;

/** A tracked socket; `ref` is unset while its join to the room is in flight. */
interface Tracking {
  ref: string | undefined;
}

const LOCAL = Object.freeze({ local: true });
const NO_ROOMS: ReadonlySet<Room> = new Set();

/**
 * Who is in one room, across every node: keys (users) with one meta per tracked socket.
 *
 * @example
 * const lobby = io.presence("lobby");
 * io.on("connection", async (socket) => {
 *   await lobby.track(socket, socket.data.userId, { name: socket.data.name, device: "web" });
 * });
 * lobby.on("join", (key, meta) => console.log(`${key} joined from ${meta.device}`));
 * const everyone = await lobby.list(); // { "u1": [{ name, device, presence_ref }, ...], ... }
 */
export class Presence extends EventEmitter<PresenceEvents> {
  readonly room: Room;
  readonly options: Readonly<Required<PresenceOptions>>;
  private readonly nsp: Namespace;
  private readonly adapter: Adapter;
  private readonly table: PresenceTable;
  private readonly roomSet: ReadonlySet<Room>;
  /** Local sockets tracked here, by socket id. */
  private readonly tracked = new Map<SocketId, Tracking>();
  /** Ref → local socket id, for the refs of local trackings. */
  private readonly sockets = new Map<string, SocketId>();

  /** @internal Use `io.presence(room)` / `nsp.presence(room)`. */
  constructor(nsp: Namespace, room: Room, options: PresenceOptions) {
    super();
    const table = nsp.adapter.presence;
    if (table === undefined) {
      throw new PresenceError(
        PresenceErrorCodes.UNSUPPORTED,
        `presence needs a Plexus adapter: the adapter of namespace "${nsp.name}" ` +
          `(${nsp.adapter.constructor.name}) has no presence table; use the built-in adapter, ` +
          "@plexus/redis-adapter or another ClusterAdapter",
      );
    }
    this.nsp = nsp;
    this.adapter = nsp.adapter;
    this.table = table;
    this.room = room;
    this.roomSet = new Set([room]);
    this.options = Object.freeze({ ...PRESENCE_DEFAULTS, ...definedOnly(options) });
    table.listen(room, (diff, refs) => this.onDiff(diff, refs));
  }

  /**
   * Tracks `socket` under `key` with `meta`: the socket joins the room, every node raises `join`, the room's
   * other sockets get a `presence_diff`, and the socket gets `presence_state` (which includes itself).
   * Rejects with a {@link PresenceError} (nothing tracked) on bad input or when a limit is reached.
   */
  async track(socket: AnySocket, key: string | number, meta: object = {}): Promise<void> {
    const k = this.checkKey(key);
    const full = this.checkMeta(meta);
    if ((socket.nsp as unknown) !== this.nsp || !socket.connected) {
      throw new PresenceError(
        PresenceErrorCodes.NOT_CONNECTED,
        `socket ${socket.id} is not connected to namespace "${this.nsp.name}"`,
      );
    }
    if (this.tracked.has(socket.id)) {
      throw new PresenceError(
        PresenceErrorCodes.ALREADY_TRACKED,
        `socket ${socket.id} is already tracked in "${this.room}" (untrack it first)`,
      );
    }
    this.checkRoomForKey(k);
    const tracking: Tracking = { ref: undefined };
    this.tracked.set(socket.id, tracking);
    try {
      await socket.join(this.room);
    } catch (err) {
      if (this.tracked.get(socket.id) === tracking) this.tracked.delete(socket.id);
      throw err;
    }
    // It may have left the room, disconnected or been untracked while the join was in flight.
    if (this.tracked.get(socket.id) !== tracking || !socket.connected || !socket.rooms.has(this.room)) {
      if (this.tracked.get(socket.id) === tracking) this.tracked.delete(socket.id);
      throw new PresenceError(
        PresenceErrorCodes.NOT_CONNECTED,
        `socket ${socket.id} left "${this.room}" or disconnected while being tracked`,
      );
    }
    try {
      this.checkRoomForKey(k);
    } catch (err) {
      this.tracked.delete(socket.id);
      throw err;
    }
    tracking.ref = full.presence_ref;
    this.sockets.set(full.presence_ref, socket.id);
    this.table.trackLocal(this.room, { key: k, meta: full });
    (socket.emit as (ev: string, ...args: unknown[]) => boolean)(
      "presence_state",
      this.table.list(this.room),
    );
  }

  /**
   * Stops tracking `socket` (it stays in the room): every node raises `leave`, the room's other sockets get
   * a `presence_diff`. Also happens by itself when the socket leaves the room or disconnects. Returns
   * false when the socket was not tracked.
   */
  untrack(socket: AnySocket | SocketId): boolean {
    const id = typeof socket === "string" ? socket : socket.id;
    const tracking = this.tracked.get(id);
    if (tracking === undefined) return false;
    this.tracked.delete(id);
    const ref = tracking.ref;
    if (ref === undefined) return true;
    // The ref → socket mapping stays until the diff went out, so that the socket is left out of it.
    this.table.untrackLocal(this.room, ref);
    this.sockets.delete(ref);
    return true;
  }

  /**
   * Who is in the room across the cluster: key → metas. A node lists an entry once it raised its `join`;
   * on a node that just joined a cluster, waits (at most the adapter's requests timeout) for the other
   * nodes' entries.
   */
  async list(): Promise<PresenceState> {
    await this.table.synced();
    return this.table.list(this.room);
  }

  /** Whether `socket` is tracked here. */
  isTracked(socket: AnySocket | SocketId): boolean {
    return this.tracked.has(typeof socket === "string" ? socket : socket.id);
  }

  private onDiff(diff: PresenceDiff, refs: readonly string[]): void {
    let except = NO_ROOMS;
    for (const ref of refs) {
      const id = this.sockets.get(ref);
      if (id === undefined) continue;
      if (except === NO_ROOMS) except = new Set([id]);
      else (except as Set<Room>).add(id);
    }
    broadcastEvent(this.adapter, this.roomSet, except, LOCAL, "presence_diff", [diff]);
    try {
      for (const key in diff.joins) for (const meta of diff.joins[key]!) this.emit("join", key, meta);
      for (const key in diff.leaves) for (const meta of diff.leaves[key]!) this.emit("leave", key, meta);
    } catch (err) {
      // A throwing listener is the application's bug: report it as Node does, not into the adapter's path.
      process.nextTick(() => {
        throw err;
      });
    }
  }

  private checkKey(key: unknown): string {
    const k = typeof key === "number" && Number.isFinite(key) ? String(key) : key;
    if (typeof k !== "string" || k.length === 0 || k.length > this.options.maxKeyLength) {
      throw new PresenceError(
        PresenceErrorCodes.INVALID_KEY,
        `presence key must be a non-empty string (or a finite number) of at most ${this.options.maxKeyLength} characters`,
      );
    }
    return k;
  }

  /** A copy of `meta` through JSON, with a fresh `presence_ref`. */
  private checkMeta(meta: unknown): PresenceMeta {
    let json: string | undefined;
    if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) {
      try {
        json = JSON.stringify(meta);
      } catch {
        json = undefined;
      }
    }
    if (json === undefined || json[0] !== "{") {
      throw new PresenceError(PresenceErrorCodes.INVALID_META, "presence meta must be a plain JSON object");
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > this.options.maxMetaBytes) {
      throw new PresenceError(
        PresenceErrorCodes.META_TOO_LARGE,
        `presence meta is ${bytes} bytes of JSON, more than maxMetaBytes (${this.options.maxMetaBytes})`,
      );
    }
    const copy = JSON.parse(json) as Record<string, unknown>;
    if (Object.hasOwn(copy, PRESENCE_REF)) {
      throw new PresenceError(
        PresenceErrorCodes.INVALID_META,
        `presence meta must not have a "${PRESENCE_REF}" field (Plexus sets it)`,
      );
    }
    copy[PRESENCE_REF] = newId();
    return Object.freeze(copy) as PresenceMeta;
  }

  private checkRoomForKey(key: string): void {
    const max = this.options.maxMetasPerKey;
    if (this.table.metaCount(this.room, key) >= max) {
      throw new PresenceError(
        PresenceErrorCodes.TOO_MANY_METAS,
        `presence key "${key}" already has ${max} metas in "${this.room}" (maxMetasPerKey)`,
      );
    }
  }
}

/** Per namespace: its rooms' presence objects, and the one room-leave listener that untracks sockets. */
const registries = new WeakMap<Namespace, Map<Room, Presence>>();

/** @internal `nsp.presence(room, options)`: the same object for a room each time. */
export function presenceOf(nsp: Namespace, room: Room, options: PresenceOptions | undefined): Presence {
  if (typeof room !== "string" || room.length === 0) {
    throw new ServerError(
      ServerErrorCodes.INVALID_ARGUMENT,
      "presence(room): room must be a non-empty string",
    );
  }
  let rooms = registries.get(nsp);
  const existing = rooms?.get(room);
  if (existing !== undefined) {
    if (options !== undefined && !sameOptions(existing.options, options)) {
      throw new ServerError(
        ServerErrorCodes.INVALID_ARGUMENT,
        `presence("${room}") exists already with other options (options are read on the first call)`,
      );
    }
    return existing;
  }
  const presence = new Presence(nsp, room, options ?? {});
  if (rooms === undefined) {
    const byRoom = new Map<Room, Presence>();
    rooms = byRoom;
    registries.set(nsp, byRoom);
    // Leaving the room (socket.leave, disconnect) ends the tracking.
    nsp.adapter.on("leave-room", (left, id) => byRoom.get(left)?.untrack(id));
  }
  rooms.set(room, presence);
  return presence;
}

function sameOptions(current: Required<PresenceOptions>, asked: PresenceOptions): boolean {
  const merged = { ...current, ...definedOnly(asked) };
  return (
    merged.maxMetasPerKey === current.maxMetasPerKey &&
    merged.maxMetaBytes === current.maxMetaBytes &&
    merged.maxKeyLength === current.maxKeyLength
  );
}

function definedOnly(options: PresenceOptions): PresenceOptions {
  const out: { -readonly [K in keyof PresenceOptions]: PresenceOptions[K] } = {};
  for (const name of ["maxMetasPerKey", "maxMetaBytes", "maxKeyLength"] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new ServerError(
        ServerErrorCodes.INVALID_ARGUMENT,
        `presence option ${name} must be a positive integer, got ${String(value)}`,
      );
    }
    out[name] = value;
  }
  return out;
}
