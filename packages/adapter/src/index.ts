/**
 * @plexus/adapter — the adapter contract, the in-memory (single node) adapter, the recovery session store and
 * the cluster base that broker adapters (Redis...) extend.
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
export { ClusterAdapter } from "./cluster-adapter.js";
export {
  type ClusterAdapterOptions,
  type ClusterCounters,
  type ClusterMessageKind,
  type ClusterOutgoing,
  type ClusterRoute,
  NODE_ID_LENGTH,
  newNodeId,
  nodeOfSocketId,
  SOCKET_ID_LENGTH,
} from "./cluster-broker.js";
export { ClusterError, type ClusterErrorCode, ClusterErrorCodes } from "./cluster-error.js";
export { ClusterMembership, type ClusterMembershipEvents } from "./cluster-membership.js";
export {
  type BroadcastMessage,
  ClusterMessageType,
  type NodeId,
  type RequestMessage,
  type ResponseMessage,
  type WirePacket,
  type WireTarget,
} from "./cluster-message.js";
export { ClusterRecovery, type ClusterRecoveryCounters, type RecoveryHost } from "./cluster-recovery.js";
export {
  entryFromWire,
  entryToWire,
  formatOffset,
  type LogEntry,
  type LogPage,
  type LogPosition,
  type LogState,
  parseOffset,
  type RecoveryLogBroker,
  recordFromWire,
  recordToWire,
  type SessionRecord,
} from "./cluster-recovery-log.js";
export {
  type ClusterNodeChannel,
  type ClusterNodeDirectory,
  type ClusterSessionRouting,
  type DirectRoutingOptions,
  ROUTE_REQUEST_ID,
} from "./cluster-routing.js";
export { InMemoryAdapter } from "./in-memory-adapter.js";
export { createInProcessCluster, type InProcessCluster } from "./in-process-cluster.js";
export {
  PresenceError,
  type PresenceErrorCode,
  PresenceErrorCodes,
} from "./presence-error.js";
export {
  emptyPresenceState,
  PRESENCE_REF,
  type PresenceDiff,
  type PresenceEntry,
  type PresenceListener,
  type PresenceMeta,
  type PresenceState,
  PresenceTable,
  setPresenceKey,
} from "./presence-table.js";
export { newId } from "./random-id.js";
export { SessionStore, type SessionStoreOptions } from "./session-store.js";
