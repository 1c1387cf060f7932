/**
 * The primary's side of the IPC cluster (`setupPrimary()`): it relays each envelope a worker sends to the
 * worker holding the target node, or to every other worker, in arrival order, and tells the workers when a
 * worker exits that its nodes are gone (so requests stop waiting for them and session routing answers
 * "Session ID unknown" at once). It never decodes a cluster message: it reads the envelope's addressing
 * only. Layer: cluster-adapter.
 */
import cluster, { type Worker } from "node:cluster";
import type { NodeId } from "@plexus/adapter";
import { IpcClusterError } from "./ipc-cluster-error.js";
import {
  type GoneNotice,
  isPlexusMessage,
  parseEnvelope,
  type SerializationNotice,
  SOURCE,
} from "./ipc-wire.js";

/** What the relay sees of a worker. */
export interface RelayWorker {
  /** The worker's IPC serialization (`json` or `advanced`), as it was forked. */
  readonly serialization?: string;
  isConnected(): boolean;
  send(message: unknown): void;
}

export class PrimaryRelay {
  /** Envelopes relayed (a counter). */
  relayed = 0;
  /** Messages that claimed to be Plexus envelopes but were malformed, or named an unknown target. */
  dropped = 0;
  private readonly workers = new Set<RelayWorker>();
  private readonly owners = new Map<NodeId, RelayWorker>();
  private readonly nodesOf = new Map<RelayWorker, Set<NodeId>>();

  /** A worker of the cluster (it receives messages to every node from now on). */
  add(worker: RelayWorker): void {
    this.workers.add(worker);
  }

  /** Something `worker` sent: relayed when it is a Plexus envelope. */
  onMessage(worker: RelayWorker, value: unknown): void {
    if (!isPlexusMessage(value)) return;
    const envelope = parseEnvelope(value);
    if (envelope === undefined) {
      this.dropped++;
      return;
    }
    this.workers.add(worker);
    if (this.owners.get(envelope.from) !== worker) {
      this.owners.set(envelope.from, worker);
      let nodes = this.nodesOf.get(worker);
      if (nodes === undefined) {
        nodes = new Set();
        this.nodesOf.set(worker, nodes);
        // A new worker: it learns how its channel serializes (bytes instead of base64 when advanced).
        const notice: SerializationNotice = { source: SOURCE, serialization: worker.serialization ?? "json" };
        worker.send(notice);
      }
      nodes.add(envelope.from);
    }
    if (envelope.to !== null) {
      const target = this.owners.get(envelope.to);
      if (target === undefined || !target.isConnected()) {
        this.dropped++;
        return;
      }
      this.relayed++;
      target.send(envelope);
      return;
    }
    this.relayed++;
    for (const other of this.workers) if (other !== worker && other.isConnected()) other.send(envelope);
  }

  /** `worker` exited: its nodes are gone, every other worker is told. */
  remove(worker: RelayWorker): void {
    this.workers.delete(worker);
    const nodes = this.nodesOf.get(worker);
    this.nodesOf.delete(worker);
    if (nodes === undefined) return;
    for (const node of nodes) {
      if (this.owners.get(node) === worker) this.owners.delete(node);
      const notice: GoneNotice = { source: SOURCE, gone: node };
      for (const other of this.workers) if (other.isConnected()) other.send(notice);
    }
  }
}

function ignore(): void {}

/** `worker.send` that never throws (a worker whose pipe just closed is told nothing). */
function relayWorker(worker: Worker): RelayWorker {
  return {
    serialization: cluster.settings.serialization ?? "json",
    isConnected: () => worker.isConnected(),
    send: (message) => {
      worker.send(message as never, undefined, undefined, ignore);
    },
  };
}

let installed: PrimaryRelay | null = null;

/**
 * Call in the primary (`cluster.isPrimary`), once, before or after forking: relays the cluster adapter's
 * messages between the workers. Later calls return the same relay.
 */
export function setupPrimary(): PrimaryRelay {
  if (installed !== null) return installed;
  if (!cluster.isPrimary) {
    throw new IpcClusterError(
      "ERR_CLUSTER_NOT_PRIMARY",
      "setupPrimary() must be called in the primary process of node:cluster",
    );
  }
  const relay = new PrimaryRelay();
  const wrapped = new WeakMap<Worker, RelayWorker>();
  const of = (worker: Worker): RelayWorker => {
    let r = wrapped.get(worker);
    if (r === undefined) {
      r = relayWorker(worker);
      wrapped.set(worker, r);
    }
    return r;
  };
  for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) relay.add(of(worker));
  cluster.on("fork", (worker) => relay.add(of(worker)));
  cluster.on("message", (worker, message) => relay.onMessage(of(worker), message));
  cluster.on("exit", (worker) => relay.remove(of(worker)));
  installed = relay;
  return relay;
}
