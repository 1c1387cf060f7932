/**
 * Command-line options of `npm run bench:cluster` (`npm run bench:cluster -- --help`). Defaults are sized
 * for a 2-core machine shared with other work: about 4–6 minutes for the four targets.
 */
import { parseArgs } from "node:util";
import { CLUSTER_TARGETS, type ClusterTarget } from "./cluster-messages.js";

export interface ClusterOptions {
  readonly nodes: number;
  /** Clients per node for the broadcast rows (all in the room `spread`). */
  readonly broadcastClients: number;
  readonly emits: number;
  readonly perTick: number;
  readonly payloadBytes: number;
  /** Measured broadcast rounds per run (median). */
  readonly repeats: number;
  /** Broadcasts to the room held on one node, for the Redis egress row. */
  readonly egressEmits: number;
  readonly egressPayloadBytes: number;
  /** Total sockets over all nodes for the `fetchSockets` rows. */
  readonly fetchSockets: number;
  readonly fetchSamples: number;
  /** Rounds over all targets (each target's value is the median over runs). */
  readonly runs: number;
  readonly concurrency: number;
  readonly targets: readonly ClusterTarget[];
  /** Section names to run (all when empty). */
  readonly only: readonly string[];
  /** Smoke-test sizes (also passed to the extras). */
  readonly quick: boolean;
  /** Where the Markdown table goes besides stdout (empty: nowhere). */
  readonly out: string;
}

const HELP = `npm run bench:cluster -- [options]
  --nodes N               server processes per target (default 3)
  --broadcast-clients N   clients per node in the broadcast room (default 1000)
  --emits N               room broadcasts per measured round (default 50)
  --per-tick N            broadcasts per event-loop turn (default 10)
  --payload N             payload bytes per broadcast (default 100)
  --repeats N             measured rounds per run, median (default 3)
  --egress-emits N        broadcasts to the room on one node, for Redis egress (default 200)
  --egress-payload N      payload bytes of those broadcasts (default 1000)
  --fetch-sockets N       sockets over all nodes for fetchSockets (default 10000)
  --fetch-samples N       sequential fetchSockets calls (default 20)
  --runs N                rounds over all targets, median per target (default 1)
  --target NAME           only these targets (repeatable): ${CLUSTER_TARGETS.map((t) => `"${t.name}"`).join(", ")}
  --only a,b              only these parts (broadcast, egress, fetch-sockets on the fleet; recovery, presence
                          with their own setups: bench/recovery-cost.ts, bench/presence-churn.ts)
  --quick                 small sizes (300 clients/node, 20 emits, 3000 sockets, 1 repeat): a smoke test
  --out FILE              also write the Markdown table to FILE (default bench/results/cluster-latest.md)
Profile the nodes: BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=bench/results/profiles" npm run bench:cluster`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return n;
}

export function parseClusterOptions(argv: readonly string[]): ClusterOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      nodes: { type: "string" },
      "broadcast-clients": { type: "string" },
      emits: { type: "string" },
      "per-tick": { type: "string" },
      payload: { type: "string" },
      repeats: { type: "string" },
      "egress-emits": { type: "string" },
      "egress-payload": { type: "string" },
      "fetch-sockets": { type: "string" },
      "fetch-samples": { type: "string" },
      runs: { type: "string" },
      concurrency: { type: "string" },
      target: { type: "string", multiple: true },
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick;
  const names = values.target ?? [];
  const targets =
    names.length === 0 ? CLUSTER_TARGETS : CLUSTER_TARGETS.filter((t) => names.includes(t.name));
  if (targets.length !== Math.max(names.length, targets.length) || targets.length === 0)
    throw new Error(`--target must name one of ${CLUSTER_TARGETS.map((t) => t.name).join(", ")}`);
  return {
    nodes: positive("nodes", values.nodes, 3),
    broadcastClients: positive("broadcast-clients", values["broadcast-clients"], quick ? 300 : 1000),
    emits: positive("emits", values.emits, quick ? 20 : 50),
    perTick: positive("per-tick", values["per-tick"], 10),
    payloadBytes: positive("payload", values.payload, 100),
    repeats: positive("repeats", values.repeats, quick ? 1 : 3),
    egressEmits: positive("egress-emits", values["egress-emits"], quick ? 50 : 200),
    egressPayloadBytes: positive("egress-payload", values["egress-payload"], 1000),
    fetchSockets: positive("fetch-sockets", values["fetch-sockets"], quick ? 3000 : 10_000),
    fetchSamples: positive("fetch-samples", values["fetch-samples"], quick ? 5 : 20),
    runs: positive("runs", values.runs, 1),
    concurrency: positive("concurrency", values.concurrency, 50),
    targets,
    only: (values.only ?? "").split(",").filter(Boolean),
    quick,
    out: values.out ?? (quick ? "bench/results/cluster-quick.md" : "bench/results/cluster-latest.md"),
  };
}
