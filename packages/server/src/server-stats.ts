/**
 * The counters the Socket.IO layer keeps for observability (issue 16), per namespace: connections,
 * disconnections by reason, refused connections, recovery hits and misses. Like the engine's
 * `EngineStats`, the record exists only once `Server.enableStats()` was called; until then the
 * server tests one field against `null` when a socket connects or leaves, and counts nothing.
 * Counting happens per connection, never per packet (packets are the engine's counters).
 * Layer: server.
 */

/** Counters of one namespace label. */
export interface NamespaceCounters {
  /** Sockets that joined (recovered ones included). */
  connections: number;
  /** Sockets that left, by reason (`"transport close"`, `"client namespace disconnect"`, ...). */
  readonly disconnections: Map<string, number>;
  /** CONNECTs a middleware refused. */
  refused: number;
  /** CONNECTs with a recovery offset whose session came back. */
  recoveryHits: number;
  /** CONNECTs with a recovery offset whose session was unknown or expired (a fresh socket follows). */
  recoveryMisses: number;
}

/** Maps a namespace name to the label its counters are kept under. */
export type NamespaceLabel = (name: string) => string;

/** Options of {@link ServerStats}. */
export interface ServerStatsOptions {
  /**
   * The label a namespace's counters are kept under; namespaces with the same label share counters.
   * Default: the name itself. Give one when dynamic namespaces have unbounded names (`/user-<id>`).
   */
  readonly namespaceLabel?: NamespaceLabel;
}

function sameName(name: string): string {
  return name;
}

function newCounters(): NamespaceCounters {
  return { connections: 0, disconnections: new Map(), refused: 0, recoveryHits: 0, recoveryMisses: 0 };
}

export class ServerStats {
  /** Counters by namespace label. */
  readonly namespaces = new Map<string, NamespaceCounters>();
  /** CONNECTs to a namespace that does not exist (no label: the name is the client's choice). */
  invalidNamespaces = 0;
  readonly namespaceLabel: NamespaceLabel;
  /** Namespace objects → their counters: the label is computed once per namespace, and forgotten with it. */
  private readonly byNamespace = new WeakMap<object, NamespaceCounters>();

  constructor(options: ServerStatsOptions = {}) {
    this.namespaceLabel = options.namespaceLabel ?? sameName;
  }

  /** The counters of namespace `nsp`. */
  of(nsp: { readonly name: string }): NamespaceCounters {
    let counters = this.byNamespace.get(nsp);
    if (counters === undefined) {
      const label = this.namespaceLabel(nsp.name);
      counters = this.namespaces.get(label);
      if (counters === undefined) {
        counters = newCounters();
        this.namespaces.set(label, counters);
      }
      this.byNamespace.set(nsp, counters);
    }
    return counters;
  }

  /** @internal */
  _disconnected(nsp: { readonly name: string }, reason: string): void {
    const map = this.of(nsp).disconnections;
    map.set(reason, (map.get(reason) ?? 0) + 1);
  }
}
