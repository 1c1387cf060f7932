/**
 * Reads a V8 heap snapshot (`v8.writeHeapSnapshot()`) into an inventory: per object kind (node type plus
 * constructor or function name), how many objects and how many bytes of self size. Two inventories
 * subtracted and divided by the connections added give the objects each connection costs (issue 6).
 * With `byRetainer`, the key also names the first strong retainer and its edge
 * (`object:Object <- object:Socket._events`), which tells which field holds each object.
 */
import { readFileSync } from "node:fs";

export interface InventoryEntry {
  count: number;
  bytes: number;
}

/** Kind → count and self size. The key is `type:name` (e.g. `object:Socket`, `closure:onMessage`). */
export type Inventory = Map<string, InventoryEntry>;

interface SnapshotFile {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Node types whose `name` is meaningful as a kind; other types (strings, code, hidden...) group by type. */
const NAMED_TYPES = new Set(["object", "closure", "native", "regexp", "array", "hidden"]);

export function readInventory(path: string, byRetainer = false): Inventory {
  const snap = JSON.parse(readFileSync(path, "utf8")) as SnapshotFile;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const nodes = snap.nodes;
  const kindOf = (i: number): string => {
    const type = types[nodes[i + typeAt]!]!;
    return NAMED_TYPES.has(type) ? `${type}:${snap.strings[nodes[i + nameAt]!]}` : type;
  };
  const retainedVia = byRetainer ? firstRetainers(snap, kindOf) : undefined;
  const out: Inventory = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const key = retainedVia === undefined ? kindOf(i) : `${kindOf(i)} <- ${retainedVia[i / stride] ?? "?"}`;
    const entry = out.get(key);
    const size = nodes[i + sizeAt]!;
    if (entry === undefined) out.set(key, { count: 1, bytes: size });
    else {
      entry.count++;
      entry.bytes += size;
    }
  }
  return out;
}

/** For each node (by ordinal), `retainerKind.edge` of its first strong (not weak) retainer. */
function firstRetainers(snap: SnapshotFile, kindOf: (offset: number) => string): (string | undefined)[] {
  const meta = snap.snapshot.meta;
  const stride = meta.node_fields.length;
  const edgeStride = meta.edge_fields.length;
  const countAt = meta.node_fields.indexOf("edge_count");
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const out: (string | undefined)[] = new Array(nodes.length / stride);
  let e = 0;
  for (let i = 0; i < nodes.length; i += stride) {
    const end = e + nodes[i + countAt]! * edgeStride;
    for (; e < end; e += edgeStride) {
      const type = edgeTypes[edges[e]!]!;
      if (type === "weak" || type === "shortcut") continue;
      const to = edges[e + 2]! / stride;
      if (out[to] !== undefined) continue;
      const name = type === "element" || type === "hidden" ? `[${type}]` : strings[edges[e + 1]!];
      out[to] = `${kindOf(i)}.${name}`;
    }
  }
  return out;
}

/** `(after − before) / per`, kinds sorted by bytes, those under `minBytes` per unit left out. */
export function perUnit(
  before: Inventory,
  after: Inventory,
  per: number,
  minBytes = 8,
): { kind: string; count: number; bytes: number }[] {
  const rows: { kind: string; count: number; bytes: number }[] = [];
  for (const [kind, a] of after) {
    const b = before.get(kind) ?? { count: 0, bytes: 0 };
    const bytes = (a.bytes - b.bytes) / per;
    if (Math.abs(bytes) < minBytes) continue;
    rows.push({ kind, count: (a.count - b.count) / per, bytes });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  return rows;
}

/** Total self size of all objects in the inventory. */
export function totalBytes(inv: Inventory): number {
  let n = 0;
  for (const e of inv.values()) n += e.bytes;
  return n;
}
