/**
 * The errors presence (`io.presence(room)`, adapter layer table and server API) hands to user code, each
 * with a stable `code`. `track()` rejects with them; nothing is tracked when it does.
 *
 * | code | when |
 * |---|---|
 * | `ERR_PRESENCE_INVALID_KEY` | the key is not a non-empty string (or a finite number) of at most `maxKeyLength` characters |
 * | `ERR_PRESENCE_INVALID_META` | the meta is not a plain JSON object (an array, a function, a cycle...), or it has a `presence_ref` field (Plexus sets that one) |
 * | `ERR_PRESENCE_META_TOO_LARGE` | the meta's JSON text is longer than `maxMetaBytes` bytes |
 * | `ERR_PRESENCE_TOO_MANY_METAS` | the key already has `maxMetasPerKey` metas (tabs, devices) across the cluster |
 * | `ERR_PRESENCE_ALREADY_TRACKED` | the socket is already tracked in this room (untrack it first to change its meta) |
 * | `ERR_PRESENCE_NOT_CONNECTED` | the socket is disconnected, belongs to another namespace, or left the room while being tracked |
 * | `ERR_PRESENCE_UNSUPPORTED` | the namespace's adapter is not a Plexus one (an official `socket.io-adapter` based adapter) |
 */

export const PresenceErrorCodes = {
  INVALID_KEY: "ERR_PRESENCE_INVALID_KEY",
  INVALID_META: "ERR_PRESENCE_INVALID_META",
  META_TOO_LARGE: "ERR_PRESENCE_META_TOO_LARGE",
  TOO_MANY_METAS: "ERR_PRESENCE_TOO_MANY_METAS",
  ALREADY_TRACKED: "ERR_PRESENCE_ALREADY_TRACKED",
  NOT_CONNECTED: "ERR_PRESENCE_NOT_CONNECTED",
  UNSUPPORTED: "ERR_PRESENCE_UNSUPPORTED",
} as const;
export type PresenceErrorCode = (typeof PresenceErrorCodes)[keyof typeof PresenceErrorCodes];

export class PresenceError extends Error {
  override readonly name = "PresenceError";
  readonly code: PresenceErrorCode;
  constructor(code: PresenceErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
