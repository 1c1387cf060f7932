/**
 * The IPC broker for the cluster base: a node is one server in a `node:cluster` worker, its messages go
 * through the primary (primary-relay.ts) over the worker's IPC pipe. Everything else — fan-out, requests,
 * membership by heartbeat, session routing — is `ClusterAdapter`'s. Order per sender holds: one pipe each
 * way, and the primary relays in arrival order. Every broadcast reaches every worker (the primary keeps no
 * room table), which drops those for rooms it does not hold.
 * Layer: cluster-adapter.
 */
import {
  type AdapterNamespace,
  ClusterAdapter,
  type ClusterAdapterOptions,
  type ClusterMessageKind,
  type ClusterOutgoing,
  type ClusterRoute,
  type NodeId,
  type Room,
} from "@plexus/adapter";
import type { LinkedAdapter, WorkerLink } from "./worker-link.js";

export class NodeClusterAdapter extends ClusterAdapter implements LinkedAdapter {
  private readonly link: WorkerLink;

  constructor(nsp: AdapterNamespace, link: WorkerLink, nodeId: NodeId, opts: ClusterAdapterOptions) {
    super(nsp, nodeId, opts);
    this.link = link;
    link.add(this);
  }

  override close(): void {
    super.close();
    this.link.remove(this);
  }

  /** @internal A message the primary relayed (or a node of this process sent). */
  deliver(kind: ClusterMessageKind, message: unknown): void {
    this.receive(kind, message);
  }

  protected publish(out: ClusterOutgoing, route: ClusterRoute): void {
    this.link.publish(this, out, route);
  }

  /** Every broadcast reaches every worker: a room needs no subscription. */
  protected subscribeRooms(_rooms: readonly Room[]): Promise<void> {
    return Promise.resolve();
  }

  protected unsubscribeRooms(_rooms: readonly Room[]): void {}
}
