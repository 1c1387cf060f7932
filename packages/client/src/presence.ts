/**
 * The client side of presence: a list kept in sync from the two ordinary events a Plexus server sends to
 * the sockets of a presence room (`io.presence(room)` in `@plexus/server`): `presence_state` (the whole list
 * `{ [key]: meta[] }`) and `presence_diff` (`{ joins, leaves }`, same shape). Works on any Socket.IO client
 * socket (it only calls `on`/`off`), so it also works with `socket.io-client`.
 *
 * Metas are told apart by their `presence_ref` (set by the server), so two tabs of one user with equal
 * metas are two metas; `list()` counts by key (users), not sockets. Diffs that arrive before the first
 * state are dropped: the state sent after them already includes them.
 */

/** One tracked socket's description: the application's JSON object plus `presence_ref`. */
export type PresenceMeta = { readonly [field: string]: unknown; readonly presence_ref: string };
/** Who is in the room: key → metas. */
export type PresenceState = Record<string, PresenceMeta[]>;
/** The `presence_diff` event's payload. */
export interface PresenceDiff {
  readonly joins: PresenceState;
  readonly leaves: PresenceState;
}

/** What `Presence` needs of a socket: a Plexus or socket.io-client `Socket`. */
export interface PresenceSocket {
  // Method syntax on purpose: parameters are compared bivariantly, so every typed socket fits.
  on(event: "presence_state" | "presence_diff", listener: (payload: unknown) => void): unknown;
  off(event: "presence_state" | "presence_diff", listener: (payload: unknown) => void): unknown;
}

/** A key that got metas: its metas before (undefined when it was absent) and the ones that joined. */
export type PresenceJoinCallback = (
  key: string,
  current: PresenceMeta[] | undefined,
  joined: PresenceMeta[],
) => void;
/** A key that lost metas: its remaining metas (empty when it is gone) and the ones that left. */
export type PresenceLeaveCallback = (key: string, remaining: PresenceMeta[], left: PresenceMeta[]) => void;

/**
 * @example
 * const socket = io();
 * const presence = new Presence(socket);
 * presence.onSync(() => render(presence.list((key, metas) => ({ user: key, tabs: metas.length }))));
 * presence.onJoin((key, current) => { if (current === undefined) console.log(`${key} is here`); });
 */
export class Presence {
  private readonly socket: PresenceSocket;
  /** Key → ref → meta; undefined until the first `presence_state`. */
  private state: Map<string, Map<string, PresenceMeta>> | undefined;
  private readonly joins: PresenceJoinCallback[] = [];
  private readonly leaves: PresenceLeaveCallback[] = [];
  private readonly syncs: Array<() => void> = [];
  private readonly onState = (state: unknown): void => this.applyState(state);
  private readonly onDiff = (diff: unknown): void => this.applyDiff(diff);

  constructor(socket: PresenceSocket) {
    this.socket = socket;
    socket.on("presence_state", this.onState);
    socket.on("presence_diff", this.onDiff);
  }

  /** Called for every key that got metas (after a state, for keys that were not there before). */
  onJoin(callback: PresenceJoinCallback): this {
    this.joins.push(callback);
    return this;
  }

  /** Called for every key that lost metas (after a state, for keys that are gone). */
  onLeave(callback: PresenceLeaveCallback): this {
    this.leaves.push(callback);
    return this;
  }

  /** Called after every state and every diff, once the list is up to date. */
  onSync(callback: () => void): this {
    this.syncs.push(callback);
    return this;
  }

  /** True once the first `presence_state` arrived. */
  get synced(): boolean {
    return this.state !== undefined;
  }

  /** One item per key (a user counts once however many tabs): `{ key, metas }`, or what `by` returns. */
  list(): Array<{ key: string; metas: PresenceMeta[] }>;
  list<T>(by: (key: string, metas: PresenceMeta[]) => T): T[];
  list<T>(by?: (key: string, metas: PresenceMeta[]) => T): unknown[] {
    const out: unknown[] = [];
    for (const [key, metas] of this.state ?? []) {
      const list = [...metas.values()];
      out.push(by === undefined ? { key, metas: list } : by(key, list));
    }
    return out;
  }

  /** The metas of one key (empty when absent). */
  get(key: string): PresenceMeta[] {
    const metas = this.state?.get(key);
    return metas === undefined ? [] : [...metas.values()];
  }

  /** Stops listening to the socket. */
  dispose(): void {
    this.socket.off("presence_state", this.onState);
    this.socket.off("presence_diff", this.onDiff);
  }

  private applyState(raw: unknown): void {
    if (!isObject(raw)) return;
    const previous = this.state ?? new Map<string, Map<string, PresenceMeta>>();
    const next = new Map<string, Map<string, PresenceMeta>>();
    for (const [key, metas] of entries(raw)) next.set(key, new Map(metas.map((m) => [m.presence_ref, m])));
    this.state = next;
    for (const [key, metas] of next) {
      const before = previous.get(key);
      const joined = [...metas.values()].filter((m) => !before?.has(m.presence_ref));
      if (joined.length > 0)
        this.callJoin(key, before === undefined ? undefined : [...before.values()], joined);
    }
    for (const [key, metas] of previous) {
      const after = next.get(key);
      const left = [...metas.values()].filter((m) => !after?.has(m.presence_ref));
      if (left.length > 0) this.callLeave(key, after === undefined ? [] : [...after.values()], left);
    }
    for (const cb of this.syncs) cb();
  }

  private applyDiff(raw: unknown): void {
    const state = this.state;
    if (state === undefined || !isObject(raw)) return;
    for (const [key, metas] of entries(raw.joins)) {
      let current = state.get(key);
      const before = current === undefined ? undefined : [...current.values()];
      const joined = metas.filter((m) => current?.has(m.presence_ref) !== true);
      if (joined.length === 0) continue;
      if (current === undefined) {
        current = new Map();
        state.set(key, current);
      }
      for (const meta of joined) current.set(meta.presence_ref, meta);
      this.callJoin(key, before, joined);
    }
    for (const [key, metas] of entries(raw.leaves)) {
      const current = state.get(key);
      if (current === undefined) continue;
      const left: PresenceMeta[] = [];
      for (const meta of metas) {
        const known = current.get(meta.presence_ref);
        if (known === undefined) continue;
        current.delete(meta.presence_ref);
        left.push(known);
      }
      if (left.length === 0) continue;
      if (current.size === 0) state.delete(key);
      this.callLeave(key, [...current.values()], left);
    }
    for (const cb of this.syncs) cb();
  }

  private callJoin(key: string, current: PresenceMeta[] | undefined, joined: PresenceMeta[]): void {
    for (const cb of this.joins) cb(key, current, joined);
  }

  private callLeave(key: string, remaining: PresenceMeta[], left: PresenceMeta[]): void {
    for (const cb of this.leaves) cb(key, remaining, left);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The well-formed `[key, metas]` pairs of a state (a meta without a string `presence_ref` is skipped). */
function entries(value: unknown): Array<[string, PresenceMeta[]]> {
  if (!isObject(value)) return [];
  const out: Array<[string, PresenceMeta[]]> = [];
  for (const key of Object.keys(value)) {
    const metas = value[key];
    if (!Array.isArray(metas)) continue;
    const valid = metas.filter((m): m is PresenceMeta => isObject(m) && typeof m.presence_ref === "string");
    if (valid.length > 0) out.push([key, valid]);
  }
  return out;
}
