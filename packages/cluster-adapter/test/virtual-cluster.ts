/**
 * node:cluster in one process, for the adapter test kit: each "worker" is a `WorkerLink` whose IPC port is
 * an in-memory pipe to a real `PrimaryRelay`, every message passing through `JSON.stringify`/`JSON.parse`
 * as the default `json` IPC serialization does (or `structuredClone` for `advanced`, which the relay tells
 * the worker, as the real primary does), delivered in order
 * on later microtasks. Everything but the OS pipe is the shipped code. Test code only.
 */
import {
  type AdapterConstructor,
  type AdapterNamespace,
  type ClusterAdapterOptions,
  newNodeId,
} from "@plexus/adapter";
import { NodeClusterAdapter, PrimaryRelay } from "@plexus/cluster-adapter";
import type { IpcPort } from "../src/worker-link.js";
import { WorkerLink } from "../src/worker-link.js";

export interface VirtualWorker {
  readonly link: WorkerLink;
  /** The adapter factory of a new node in this worker. */
  adapter(opts?: ClusterAdapterOptions): AdapterConstructor;
  /** The worker exits: the primary tells the others its nodes are gone. */
  exit(): void;
  /** Sends `value` to this worker as if the primary had (bad-input tests). */
  inject(value: unknown): void;
}

export class VirtualCluster {
  readonly relay = new PrimaryRelay();

  constructor(private readonly binary = false) {}

  fork(): VirtualWorker {
    const copy = this.binary
      ? (v: unknown) => structuredClone(v)
      : (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    let receiver: ((m: unknown) => void) | null = null;
    let connected = true;
    const relay = this.relay;
    const toWorker = {
      serialization: this.binary ? "advanced" : "json",
      isConnected: () => connected,
      send(message: unknown) {
        const c = copy(message);
        queueMicrotask(() => {
          if (connected) receiver?.(c);
        });
      },
    };
    relay.add(toWorker);
    const port: IpcPort = {
      binary: false, // told by the relay, as a real worker is
      send(envelope) {
        if (!connected) return;
        const c = copy(envelope);
        queueMicrotask(() => relay.onMessage(toWorker, c));
      },
      onMessage(handler) {
        receiver = handler;
        return () => {
          receiver = null;
        };
      },
    };
    const link = new WorkerLink(port, 16 * 1024 * 1024);
    return {
      link,
      adapter(opts = {}) {
        const nodeId = newNodeId();
        return function virtualNode(nsp: AdapterNamespace) {
          return new NodeClusterAdapter(nsp, link, nodeId, opts);
        } as unknown as AdapterConstructor;
      },
      exit() {
        connected = false;
        relay.remove(toWorker);
      },
      inject(value) {
        receiver?.(value);
      },
    };
  }
}
