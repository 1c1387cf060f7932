/**
 * What the cluster benchmark's orchestrator (`cluster-run.ts`) asks its node processes (`cluster-node.ts`)
 * over IPC, and the targets it compares. JSON-serialisable, as `bench/control-messages.ts`.
 */

/** One column of the table: an implementation with its Redis adapter in one mode. */
export interface ClusterTarget {
  /** Column label, e.g. `socket.io classic`. */
  readonly name: string;
  readonly impl: "socket.io" | "plexus";
  readonly mode: "classic" | "sharded";
}

/** The four columns, socket.io first (ratios are Plexus / socket.io in the same mode). */
export const CLUSTER_TARGETS: readonly ClusterTarget[] = [
  { name: "socket.io classic", impl: "socket.io", mode: "classic" },
  { name: "plexus classic", impl: "plexus", mode: "classic" },
  { name: "socket.io sharded", impl: "socket.io", mode: "sharded" },
  { name: "plexus sharded", impl: "plexus", mode: "sharded" },
];

export interface RoomEmitParams {
  readonly room: string;
  /** Total `io.to(room).emit("b", seq, payload)` calls. */
  readonly emits: number;
  /** Emits issued synchronously per event-loop turn. */
  readonly perTick: number;
  readonly payload: string;
}

export interface RoomEmitStart {
  /** Wall-clock time of the first emit (ms, `wallNow()`). */
  readonly startedAt: number;
  /** Wall-clock time at the check phase after the last emit (ms). */
  readonly emittedAt: number;
  /** The node's cumulative CPU (user + system, µs) just before the first emit. */
  readonly cpuMicros: number;
}

export interface NodeStats {
  /** Cumulative user + system CPU of the node process, µs. */
  readonly cpuMicros: number;
  /** Sockets connected to this node. */
  readonly clients: number;
}

/** Requests a cluster node answers: name -> parameters and result. */
export type ClusterNodeCommands = {
  stats: { params: Record<string, never>; result: NodeStats };
  "wait-clients": { params: { readonly count: number }; result: NodeStats };
  emit: { params: RoomEmitParams; result: RoomEmitStart };
  "fetch-sockets": {
    params: { readonly samples: number };
    result: { readonly latencies: number[]; readonly sockets: number };
  };
  "server-count": { params: Record<string, never>; result: number };
};
