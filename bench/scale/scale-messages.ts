/**
 * The IPC commands of `npm run bench:scale` (bench/scale/): what the orchestrator (`scale.ts`) asks a
 * cluster (`cluster-server.ts`, primary plus workers) and a scale load generator (`scale-generator.ts`).
 * Everything here is JSON-serialisable; the request/reply framing is the one of `bench/control-messages.ts`.
 */

/** The two sides of the comparison: socket.io on its documented multi-core setup, and Plexus. */
export type ScaleImpl = "socket.io" | "plexus";
export const SCALE_IMPLS: readonly ScaleImpl[] = ["socket.io", "plexus"];

/** How Plexus workers are joined: `@plexus/cluster-adapter` (node:cluster IPC) or `@plexus/redis-adapter`. */
export type PlexusAdapterName = "cluster" | "redis";

/** One server process's own readings. */
export interface ProcessReading {
  readonly pid: number;
  readonly role: "primary" | "worker";
  readonly rss: number;
  readonly heapUsed: number;
  /** Cumulative user + system CPU time, µs. */
  readonly cpuMicros: number;
  /** Socket.IO sockets connected to this process (0 for the primary). */
  readonly clients: number;
}

/** The whole cluster: every process, and the sums. */
export interface ClusterReading {
  readonly processes: readonly ProcessReading[];
  readonly rss: number;
  readonly cpuMicros: number;
  readonly clients: number;
  /** Wall-clock time of the reading (`wallNow()`, ms). */
  readonly at: number;
}

/** What the worker that emitted reports about one `io.emit`. */
export interface EmitStart {
  /** Wall-clock time just before `io.emit` (ms). */
  readonly startedAt: number;
  /** Worker that emitted (its cluster id). */
  readonly workerId: number;
}

/** Commands the cluster's primary answers (it asks its workers for the per-process parts). */
export type ClusterCommands = {
  /** Every process's memory and CPU; `gc` runs two full collections in each process first. */
  stats: { params: { readonly gc: boolean }; result: ClusterReading };
  /** One `io.emit("b", seq, payload)` on one worker; the adapter carries it to the others. */
  emit: { params: { readonly seq: number; readonly payload: string }; result: EmitStart };
};

/** Messages between the primary and its workers (`type` keeps them apart from the adapters' and sticky's). */
export type WorkerRequest =
  | { readonly type: "scale:stats"; readonly id: number; readonly gc: boolean }
  | { readonly type: "scale:emit"; readonly id: number; readonly seq: number; readonly payload: string };

export type WorkerReply =
  | { readonly type: "scale:ready"; readonly port: number }
  | { readonly type: "scale:reply"; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: "scale:reply"; readonly id: number; readonly ok: false; readonly error: string };

export interface ScaleConnectParams {
  readonly host: string;
  readonly port: number;
  /** Clients to add to the ones this generator already holds. */
  readonly count: number;
  /** Loopback source addresses, used in turn, `perAddress` clients each. */
  readonly localAddresses: readonly string[];
  readonly perAddress: number;
  /** Handshakes in flight at once. */
  readonly concurrency: number;
}

export interface ScaleConnectResult {
  readonly connected: number;
  readonly failed: number;
  /** Handshakes that failed once and were tried again (a failure only when the retry fails too). */
  readonly retried: number;
  /** Why the first retried handshake failed. */
  readonly firstRetryError?: string;
  readonly elapsedMs: number;
  readonly firstError?: string;
}

export interface GeneratorReading {
  readonly clients: number;
  /** Connections the server closed (or that broke) after they were established, since the start. */
  readonly closed: number;
  readonly rss: number;
}

export interface ScaleReceipt {
  /** Clients that have every expected message. */
  readonly complete: number;
  readonly clients: number;
  /** Wall-clock time the last of them got its last expected message (ms), 0 when incomplete. */
  readonly lastAt: number;
}

/** Commands a scale load generator answers. */
export type ScaleGeneratorCommands = {
  connect: { params: ScaleConnectParams; result: ScaleConnectResult };
  "arm-broadcast": { params: { readonly expected: number }; result: { readonly clients: number } };
  "wait-broadcast": { params: { readonly timeoutMs: number }; result: ScaleReceipt };
  stats: { params: Record<string, never>; result: GeneratorReading };
};
