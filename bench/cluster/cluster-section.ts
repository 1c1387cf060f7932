/**
 * The extension point of `npm run bench:cluster`: a section measures some rows on one target's running
 * cluster and returns a value per row. The orchestrator (`cluster-run.ts`) runs every section, in the
 * order of `CLUSTER_SECTIONS` (`cluster-sections.ts`), on each target in turn and prints one table with
 * the ratios Plexus / socket.io and the targets.
 *
 * To add one (e.g. `bench/presence-churn.ts`, `bench/recovery-cost.ts`): export a `ClusterSection` and add
 * it to `CLUSTER_SECTIONS`. A section may grow the fleet (`ctx.fleet.growTo`) but never shrink it; a
 * section that needs a different setup may start its own `ClusterFleet` and must stop it before returning.
 */
import type { ClusterFleet } from "./cluster-fleet.js";
import type { ClusterTarget } from "./cluster-messages.js";
import type { ClusterOptions } from "./cluster-options.js";
import type { RedisProbe } from "./redis-probe.js";

/** A goal for a row: Plexus / baseline `op` `value` (e.g. deliveries/s ≥ 2× socket.io). */
export interface RowGoal {
  readonly op: ">=" | "<=";
  /** The bound, or a function of the node count (`(n) => 1 / n`). */
  readonly value: number | ((nodes: number) => number);
  /** `same-mode`: Plexus classic vs socket.io classic, sharded vs sharded; `classic`: both vs socket.io classic. */
  readonly baseline: "same-mode" | "classic";
  /** How the goal reads in the table, e.g. `≥ 2×`. */
  readonly text: string;
}

export interface ClusterRow {
  /** Key in the values a section returns. */
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly digits: number;
  readonly goal?: RowGoal;
}

export interface SectionContext {
  readonly target: ClusterTarget;
  readonly fleet: ClusterFleet;
  readonly redis: RedisProbe;
  readonly options: ClusterOptions;
  /** A progress line on stderr (kept out of the table). */
  log(message: string): void;
}

export interface ClusterSection {
  /** Name for `--only`. */
  readonly name: string;
  readonly rows: readonly ClusterRow[];
  run(ctx: SectionContext): Promise<Record<string, number>>;
}
