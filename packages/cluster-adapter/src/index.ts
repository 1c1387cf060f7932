/**
 * @plexus/cluster-adapter — every core of one machine without Redis: Plexus servers in the workers of
 * `node:cluster`, joined through the primary over IPC. Same entry points as `@socket.io/cluster-adapter`
 * (`createAdapter(opts?)` in each worker, `setupPrimary()` in the primary) and the same guarantees as
 * `@plexus/redis-adapter` (the cluster base of `@plexus/adapter`). No sticky module: the server routes a
 * request that reaches the wrong worker to the session's owner over IPC (README "Every core, one port").
 *
 * @example
 * import cluster from "node:cluster";
 * import { createServer } from "node:http";
 * import { availableParallelism } from "node:os";
 * import { createAdapter, setupPrimary } from "@plexus/cluster-adapter";
 * import { Server } from "@plexus/server";
 *
 * if (cluster.isPrimary) {
 *   setupPrimary();
 *   for (let i = 0; i < availableParallelism(); i++) cluster.fork();
 * } else {
 *   const io = new Server(createServer().listen(3000), { adapter: createAdapter() });
 * }
 */
import {
  type AdapterConstructor,
  type AdapterNamespace,
  type ClusterAdapterOptions,
  newNodeId,
} from "@plexus/adapter";
import { NodeClusterAdapter } from "./node-cluster-adapter.js";
import { processPort, WorkerLink } from "./worker-link.js";

export { IpcClusterError } from "./ipc-cluster-error.js";
export { NodeClusterAdapter } from "./node-cluster-adapter.js";
export { PrimaryRelay, setupPrimary } from "./primary-relay.js";

/** Options of `createAdapter` (those of `@socket.io/cluster-adapter`, plus Plexus's cluster options). */
export interface NodeClusterAdapterOptions extends ClusterAdapterOptions {
  /** Messages received larger than this are dropped and counted (`counters.badMessages`). Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

let processLink: WorkerLink | null = null;

/**
 * The adapter factory for `new Server(http, { adapter })` in a `node:cluster` worker: one node (its id is
 * shared by the adapters of all its namespaces). Outside a worker (no IPC channel) the node is alone, or
 * joined only to the other nodes of its own process.
 */
export function createAdapter(opts: NodeClusterAdapterOptions = {}): AdapterConstructor {
  processLink ??= new WorkerLink(processPort(), opts.maxMessageBytes ?? 16 * 1024 * 1024);
  const link = processLink;
  const nodeId = newNodeId();
  // A plain function, callable with `new` (as socket.io's factory): `new X(nsp)` returns the adapter.
  return function nodeClusterAdapter(nsp: AdapterNamespace) {
    return new NodeClusterAdapter(nsp, link, nodeId, opts);
  } as unknown as AdapterConstructor;
}
