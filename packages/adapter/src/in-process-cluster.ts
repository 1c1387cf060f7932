/**
 * A cluster inside one process: the reference broker for `ClusterAdapter` and what the adapter test kit
 * runs against first. Every node of a `createInProcessCluster()` is one server's adapter factory; messages
 * are copied with `structuredClone` when published (as a real broker serialises them) and delivered in
 * publish order on a later microtask, routed per room like a real broker (a node receives a room's
 * broadcasts only while subscribed to it).
 *
 * @example
 * const cluster = createInProcessCluster();
 * const a = new Server(httpA, { adapter: cluster.adapter() });
 * const b = new Server(httpB, { adapter: cluster.adapter() });
 */
import type { AdapterConstructor, AdapterNamespace, Room } from "./adapter.js";
import { ClusterAdapter } from "./cluster-adapter.js";
import {
  type ClusterAdapterOptions,
  type ClusterOutgoing,
  type ClusterRoute,
  newNodeId,
} from "./cluster-broker.js";
import type { NodeId } from "./cluster-message.js";

export interface InProcessCluster {
  /** A new node: the `adapter` server option of one server. */
  adapter(opts?: ClusterAdapterOptions): AdapterConstructor;
  /** The node adapters currently attached, per namespace name (for tests). */
  readonly nodes: ReadonlyMap<string, ReadonlySet<ClusterAdapter>>;
}

export function createInProcessCluster(): InProcessCluster {
  const nodes = new Map<string, Set<InProcessClusterAdapter>>();
  return {
    nodes,
    adapter(opts = {}) {
      const nodeId = newNodeId();
      return class extends InProcessClusterAdapter {
        constructor(nsp: AdapterNamespace) {
          super(nsp, nodeId, opts, nodes);
        }
      };
    },
  };
}

class InProcessClusterAdapter extends ClusterAdapter {
  private readonly bus: Map<string, Set<InProcessClusterAdapter>>;
  private readonly subscribed = new Set<Room>();

  constructor(
    nsp: AdapterNamespace,
    nodeId: NodeId,
    opts: ClusterAdapterOptions,
    bus: Map<string, Set<InProcessClusterAdapter>>,
  ) {
    super(nsp, nodeId, opts);
    this.bus = bus;
    let peers = bus.get(nsp.name);
    if (peers === undefined) {
      peers = new Set();
      bus.set(nsp.name, peers);
    }
    peers.add(this);
  }

  override close(): void {
    super.close();
    this.bus.get(this.nsp.name)?.delete(this);
  }

  protected publish(out: ClusterOutgoing, route: ClusterRoute): void {
    const copy = structuredClone(out.message);
    for (const peer of this.bus.get(this.nsp.name) ?? []) {
      if (!peer.reaches(route)) continue;
      queueMicrotask(() => peer.deliver(out.kind, copy));
    }
  }

  protected subscribeRooms(rooms: readonly Room[]): Promise<void> {
    for (const room of rooms) this.subscribed.add(room);
    return Promise.resolve();
  }

  protected unsubscribeRooms(rooms: readonly Room[]): void {
    for (const room of rooms) this.subscribed.delete(room);
  }

  protected override probeNodes(asked: readonly NodeId[]): Promise<ReadonlySet<NodeId>> {
    const alive = new Set<NodeId>();
    for (const peer of this.bus.get(this.nsp.name) ?? [])
      if (asked.includes(peer.nodeId)) alive.add(peer.nodeId);
    return Promise.resolve(alive);
  }

  private reaches(route: ClusterRoute): boolean {
    if (route.kind === "all") return true;
    if (route.kind === "node")
      return route.node === this.nodeId || (route.room !== undefined && this.subscribed.has(route.room));
    return this.subscribed.has(route.room);
  }

  private deliver(kind: ClusterOutgoing["kind"], message: unknown): void {
    this.receive(kind, message);
  }
}
