/**
 * What the metrics read of a Plexus server, named in one place: its namespaces (sockets, adapter), its
 * engine and the counters of both layers. Everything is read when metrics are scraped.
 * Layer: metrics (on top of server).
 */
import type { Server as Engine } from "@plexus/engine";
import type { Adapter, ServerStats } from "@plexus/server";

/** A connected socket: only the transport of its connection is read. */
export interface SourceSocket {
  readonly conn: { readonly transport: { readonly name: string } };
}

/** A namespace of this node. */
export interface SourceNamespace {
  readonly name: string;
  readonly sockets: ReadonlyMap<string, SourceSocket>;
  readonly adapter: Adapter;
}

/** The server as the metrics see it. */
export interface MetricsSource {
  readonly _nsps: ReadonlyMap<string, SourceNamespace>;
  /** Unset until the server is attached; replaced when it is attached again. */
  readonly engine: Engine | undefined;
  readonly stats: ServerStats | null;
}
