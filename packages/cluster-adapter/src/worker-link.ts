/**
 * A worker's end of the IPC cluster: one link per process, shared by every node (server) and namespace in
 * it. It sends each cluster message to the primary as one envelope (ipc-wire.ts), hands what the primary
 * relays to the adapters of the right namespace and node, and tells them when the primary reports a node
 * gone. Nodes of the same process reach each other without the primary (a later microtask, in order).
 * Layer: cluster-adapter.
 */
import type { ClusterMessageKind, ClusterOutgoing, ClusterRoute, NodeId } from "@plexus/adapter";
import {
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  isAdvancedNotice,
  isPlexusMessage,
  parseEnvelope,
  parseGoneNotice,
} from "./ipc-wire.js";

/** Where envelopes go and come from: the process's IPC channel, or a stand-in in tests. */
export interface IpcPort {
  /** True when the channel is known to carry bytes as bytes (`serialization: "advanced"`). */
  readonly binary: boolean;
  /** Sends to the primary; nothing happens when there is no channel (not a worker, or disconnected). */
  send(envelope: Envelope): void;
  /**
   * Sets the receiver of everything the primary sends; returns what removes it (a `message` listener keeps
   * the IPC channel, hence the process, alive: it is removed once the last adapter closed).
   */
  onMessage(handler: (message: unknown) => void): () => void;
}

/** What the link sees of an adapter. */
export interface LinkedAdapter {
  readonly nodeId: NodeId;
  readonly nsp: { readonly name: string };
  readonly counters: { badMessages: number };
  readonly membership: { remove(node: NodeId): void };
  /** @internal Hands a decoded message to the cluster base. */
  deliver(kind: ClusterMessageKind, message: unknown): void;
}

function ignore(): void {}

/** The process's own IPC channel (`process.send`), as `node:cluster` gives it to a worker. */
export function processPort(): IpcPort {
  return {
    binary: false, // until the primary says otherwise
    send(envelope) {
      if (process.send === undefined || !process.connected) return;
      process.send(envelope, undefined, undefined, ignore);
    },
    onMessage(handler) {
      process.on("message", handler);
      return () => process.off("message", handler);
    },
  };
}

export class WorkerLink {
  /** Envelopes received that were not well formed, or too large (a counter). */
  badMessages = 0;
  private readonly adapters = new Map<string, Set<LinkedAdapter>>();
  /** Removes the port's listener; `null` while not listening. */
  private stopListening: (() => void) | null = null;
  /** Envelopes carry bytes (advanced serialization) rather than base64. */
  private binary: boolean;

  constructor(
    private readonly port: IpcPort,
    private readonly maxMessageBytes: number,
  ) {
    this.binary = port.binary;
  }

  private listen(): void {
    this.stopListening ??= this.port.onMessage((m) => this.onMessage(m));
  }

  add(adapter: LinkedAdapter): void {
    this.listen();
    let set = this.adapters.get(adapter.nsp.name);
    if (set === undefined) {
      set = new Set();
      this.adapters.set(adapter.nsp.name, set);
    }
    set.add(adapter);
  }

  remove(adapter: LinkedAdapter): void {
    const set = this.adapters.get(adapter.nsp.name);
    if (set?.delete(adapter) && set.size === 0) this.adapters.delete(adapter.nsp.name);
    if (this.adapters.size === 0 && this.stopListening !== null) {
      // Every server of this process closed: the process may exit (the next adapter listens again).
      this.stopListening();
      this.stopListening = null;
    }
  }

  /** Sends `out` from `sender` along `route` (every broadcast goes to every node: no per-room routing). */
  publish(sender: LinkedAdapter, out: ClusterOutgoing, route: ClusterRoute): void {
    const to = route.kind === "node" ? route.node : null;
    const envelope = encodeEnvelope(sender.nodeId, to, sender.nsp.name, out, this.binary);
    let local = false;
    for (const peer of this.adapters.get(sender.nsp.name) ?? []) {
      if (peer === sender || (to !== null && peer.nodeId !== to)) continue;
      local = true;
      // Decoded again, as a broker would: the receiver never shares the sender's objects.
      queueMicrotask(() => this.deliverTo(peer, envelope));
    }
    if (to === null || !local) this.port.send(envelope);
  }

  private onMessage(value: unknown): void {
    if (!isPlexusMessage(value)) return; // the application's own IPC messages
    if (isAdvancedNotice(value)) {
      this.binary = true;
      return;
    }
    const gone = parseGoneNotice(value);
    if (gone !== undefined) {
      for (const set of this.adapters.values()) for (const a of set) a.membership.remove(gone.gone);
      return;
    }
    const envelope = parseEnvelope(value);
    if (envelope === undefined) {
      this.badMessages++;
      return;
    }
    for (const adapter of this.adapters.get(envelope.nsp) ?? []) {
      if (adapter.nodeId === envelope.from) continue;
      if (envelope.to !== null && envelope.to !== adapter.nodeId) continue;
      this.deliverTo(adapter, envelope);
    }
  }

  private deliverTo(adapter: LinkedAdapter, envelope: Envelope): void {
    let decoded: { kind: ClusterMessageKind; message: unknown };
    try {
      decoded = decodeEnvelope(envelope, this.maxMessageBytes);
    } catch {
      adapter.counters.badMessages++;
      return;
    }
    adapter.deliver(decoded.kind, decoded.message);
  }
}
