/**
 * Dynamic namespaces (`io.of(/^\/room-\d+$/)` or `io.of((name, auth, next) => ...)`): the parent holds
 * the middlewares and `connection` listeners every child gets, and broadcasts to all children.
 */

import type { BroadcastOptions } from "@plexus/adapter";
import { InMemoryAdapter } from "@plexus/adapter";
import type { SocketPacket } from "@plexus/protocol";
import { reportRejection } from "./adapter-factory.js";
import type { RemoteSocket } from "./broadcast-operator.js";
import { Namespace } from "./namespace.js";
import type { Server } from "./server.js";
import { ServerError, ServerErrorCodes } from "./server-error.js";
import type { DefaultEventsMap, EventsMap } from "./typed-events.js";

let parentCount = 0;

/** A parent's adapter only fans broadcasts out to the children's adapters. */
class ParentBroadcastAdapter extends InMemoryAdapter {
  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    const parent = this.nsp as unknown as ParentNamespace;
    for (const child of parent.children) {
      // Each child prepares its own copy: its namespace is part of the encoded packet.
      child.adapter.broadcast({ ...packet, nsp: child.name, data: cloneData(packet.data) }, opts);
    }
  }
}

function cloneData(data: unknown): unknown {
  return Array.isArray(data) ? data.slice() : data;
}

export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  // biome-ignore lint/suspicious/noExplicitAny: SocketData defaults to any, as Socket.IO.
  SocketData = any,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) {
    super(server, `/_${parentCount++}`);
  }

  override _initAdapter(): void {
    this.adapter = new ParentBroadcastAdapter(this as never);
  }

  /** @internal Creates the child `name`, giving it this parent's middlewares and connection listeners. */
  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this.server, name);
    for (const fn of this._fns) child.use(fn);
    for (const listener of this.listeners("connect")) child.on("connect", listener as never);
    for (const listener of this.listeners("connection")) child.on("connection", listener as never);
    this.children.add(child);
    if (this.server._cleanupEmptyChildNamespaces) {
      child._onEmpty = (nsp) => {
        if (!this.children.has(nsp as never)) return;
        reportRejection(nsp.adapter.close(), `close (namespace ${nsp.name})`);
        this.server._nsps.delete(nsp.name);
        this.children.delete(nsp as never);
      };
    }
    this.server._registerNamespace(child);
    return child;
  }

  override fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    throw new ServerError(
      ServerErrorCodes.UNSUPPORTED,
      "fetchSockets() is not supported on parent namespaces",
    );
  }
}
