/**
 * A worker's end of the IPC cluster: one link per process, shared by every node (server) and namespace in
 * it. It sends each cluster message to the primary as one envelope (ipc-wire.ts), hands what the primary
 * relays to the adapters of the right namespace and node, and tells them when the primary reports a node
 * gone. Nodes of the same process reach each other without the primary (a later microtask, in order).
 * It also carries the recovery log's traffic (recovery-wire.ts): requests to the primary, their replies,
 * and the entries the primary delivers to the namespace's adapters.
 * Layer: cluster-adapter.
 */
import type { ClusterMessageKind, ClusterOutgoing, ClusterRoute, NodeId } from "@plexus/adapter";
import type { LogLink } from "./ipc-recovery-log.js";
import {
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  isAdvancedNotice,
  isPlexusMessage,
  parseEnvelope,
  parseGoneNotice,
  SOURCE,
} from "./ipc-wire.js";
import {
  isLogMessage,
  type LogOp,
  type LogRequest,
  parseLogDelivery,
  parseLogReply,
} from "./recovery-wire.js";

/** Where envelopes go and come from: the process's IPC channel, or a stand-in in tests. */
export interface IpcPort {
  /** True when the channel is known to carry bytes as bytes (`serialization: "advanced"`). */
  readonly binary: boolean;
  /** True when there is no primary at all (not a worker): recovery then stays in each node. */
  readonly standalone?: boolean;
  /** Sends to the primary; nothing happens when there is no channel (not a worker, or disconnected). */
  send(message: Envelope | LogRequest): void;
  /** False once the channel to the primary closed (assumed open when absent). */
  isConnected?(): boolean;
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
  /** @internal An entry of the namespace's recovery log, from the primary. */
  receiveLog(epoch: string, prev: string, id: string, data: string | Uint8Array): void;
}

/** Most log requests waiting for the primary's reply. */
const MAX_PENDING = 10_000;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  readonly timer: NodeJS.Timeout;
}

function ignore(): void {}

/** The process's own IPC channel (`process.send`), as `node:cluster` gives it to a worker. */
export function processPort(): IpcPort {
  return {
    binary: false, // until the primary says otherwise
    standalone: process.send === undefined,
    isConnected: () => process.connected,
    send(message) {
      if (process.send === undefined || !process.connected) return;
      process.send(message, undefined, undefined, ignore);
    },
    onMessage(handler) {
      process.on("message", handler);
      return () => process.off("message", handler);
    },
  };
}

export class WorkerLink implements LogLink {
  /** Envelopes received that were not well formed, or too large (a counter). */
  badMessages = 0;
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 1;
  private readonly adapters = new Map<string, Set<LinkedAdapter>>();
  /** Removes the port's listener; `null` while not listening. */
  private stopListening: (() => void) | null = null;
  /** Envelopes carry bytes (advanced serialization) rather than base64. */
  private binary: boolean;

  constructor(
    private readonly port: IpcPort,
    readonly maxMessageBytes: number,
  ) {
    this.binary = port.binary;
  }

  /** True when a primary may keep the recovery log (this process is a worker). */
  get hasPrimary(): boolean {
    return this.port.standalone !== true;
  }

  /** For the recovery log: false without a channel to the primary. */
  get connected(): boolean {
    if (this.port.standalone === true) return false;
    return this.port.isConnected?.() ?? true;
  }

  /** @internal Whether envelopes carry bytes (recovery payloads follow). */
  get carriesBytes(): boolean {
    return this.binary;
  }

  sendLog(request: LogRequest): void {
    this.port.send({ ...request, source: SOURCE });
  }

  request(nsp: string, op: LogOp, fields: Partial<LogRequest>, timeoutMs: number): Promise<unknown> {
    if (this.pending.size >= MAX_PENDING) return Promise.reject(new Error("too many log requests waiting"));
    if (!this.connected) return Promise.reject(new Error("no channel to the primary"));
    const req = this.nextRequest++;
    if (this.nextRequest > Number.MAX_SAFE_INTEGER) this.nextRequest = 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(new Error(`no reply from the primary to "${op}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(req, { resolve, reject, timer });
      this.port.send({ ...fields, source: SOURCE, log: nsp, op, req } as LogRequest);
    });
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
    if (isLogMessage(value)) {
      this.onLogMessage(value);
      return;
    }
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

  private onLogMessage(value: unknown): void {
    const delivery = parseLogDelivery(value);
    if (delivery !== undefined) {
      const [epoch, prev, id, data] = delivery.entry;
      for (const adapter of this.adapters.get(delivery.log) ?? []) adapter.receiveLog(epoch, prev, id, data);
      return;
    }
    const reply = parseLogReply(value);
    const pending = reply === undefined ? undefined : this.pending.get(reply.req);
    if (reply === undefined || pending === undefined) {
      this.badMessages++;
      return;
    }
    this.pending.delete(reply.req);
    clearTimeout(pending.timer);
    pending.resolve(reply.reply);
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
