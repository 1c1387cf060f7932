/**
 * The IPC broker for the cluster base: a node is one server in a `node:cluster` worker, its messages go
 * through the primary (primary-relay.ts) over the worker's IPC pipe. Everything else — fan-out, requests,
 * membership by heartbeat, session routing — is `ClusterAdapter`'s. Order per sender holds: one pipe each
 * way, and the primary relays in arrival order. Every broadcast reaches every worker (the primary keeps no
 * room table), which drops those for rooms it does not hold. With `connectionStateRecovery`, sessions and
 * missed packets live in the primary (`IpcRecoveryLog`), so a client whose worker died recovers on another.
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
import { IpcRecoveryLog } from "./ipc-recovery-log.js";
import type { LinkedAdapter, WorkerLink } from "./worker-link.js";

export class NodeClusterAdapter extends ClusterAdapter implements LinkedAdapter {
  private readonly link: WorkerLink;
  /** With recovery on in a worker: the namespace's log in the primary. */
  private readonly ipcLog: IpcRecoveryLog | undefined;
  private readonly logAttached: Promise<void>;

  constructor(nsp: AdapterNamespace, link: WorkerLink, nodeId: NodeId, opts: ClusterAdapterOptions) {
    super(nsp, nodeId, opts);
    this.link = link;
    link.add(this);
    const recovery = nsp.recovery;
    let attached = Promise.resolve();
    if (recovery !== undefined && link.hasPrimary) {
      const log = new IpcRecoveryLog(link, {
        nsp: nsp.name,
        maxPackets: recovery.maxPackets ?? 100_000,
        maxSessions: recovery.maxSessions ?? 100_000,
        maxAgeMs: recovery.maxDisconnectionDuration,
        timeoutMs: opts.requestsTimeout ?? 5000,
      });
      const cluster = this.useRecoveryLog(log);
      if (cluster !== undefined) {
        this.ipcLog = log;
        attached = log.attach(cluster);
      }
    }
    this.logAttached = attached;
  }

  /** Membership starts once this node knows where the recovery log stands. */
  override init(): Promise<void> {
    return this.logAttached.then(() => super.init());
  }

  override close(): void {
    super.close();
    this.link.remove(this);
  }

  /** @internal A message the primary relayed (or a node of this process sent). */
  deliver(kind: ClusterMessageKind, message: unknown): void {
    this.receive(kind, message);
  }

  /** @internal An entry of the recovery log, from the primary. */
  receiveLog(epoch: string, prev: string, id: string, data: string | Uint8Array): void {
    this.ipcLog?.receive(epoch, prev, id, data);
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
