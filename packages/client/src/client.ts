/**
 * The public API shared by every entry point (Node, browser ESM, browser IIFE); each entry installs its
 * platform before re-exporting this.
 */

export type { CloseDescription, EngineOptions } from "./engine/engine-socket.js";
export type { CloseDetails, TransportName } from "./engine/transport.js";
export { ClientError, type ClientErrorCode, ClientErrorCodes } from "./errors.js";
export { type ConnectOptions, lookup as io, lookup as connect, lookup as default } from "./lookup.js";
export { Manager, type ManagerCloseReason, type ManagerOptions } from "./manager.js";
export {
  Presence,
  type PresenceDiff,
  type PresenceJoinCallback,
  type PresenceLeaveCallback,
  type PresenceMeta,
  type PresenceSocket,
  type PresenceState,
} from "./presence.js";
export { Socket, type SocketOptions } from "./socket.js";
export type {
  DecorateAcknowledgements,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
} from "./typed-events.js";
/** Socket.IO protocol revision (socket.io-client exports the same). */
export const protocol = 5;
