/**
 * @plexus/adapter — the adapter contract, the in-memory (single node) adapter and the recovery session store.
 */
export type {
  Adapter,
  AdapterConstructor,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  AdapterStats,
  BroadcastFlags,
  BroadcastOptions,
  PreparedPacket,
  PrivateSessionId,
  RecoveryOptions,
  RemoteSocketDetails,
  RestoredSession,
  Room,
  Session,
  SocketId,
} from "./adapter.js";
export { InMemoryAdapter } from "./in-memory-adapter.js";
export { SessionStore, type SessionStoreOptions } from "./session-store.js";
