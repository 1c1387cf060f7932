/**
 * `npm run bench:cluster`: Plexus + `@plexus/redis-adapter` side by side with `socket.io@4.8` +
 * `@socket.io/redis-adapter`, classic and sharded, in one run: for each target, `--nodes` server processes
 * (`cluster-node.ts`) on one Redis started here, raw-protocol WebSocket clients from load-generator
 * processes, and every section of `cluster-sections.ts` in turn. Prints one Markdown table with the ratios
 * Plexus / socket.io and whether each goal is met; then the parts with setups of their own
 * (`cluster-extras.ts`: recovery cost, presence under churn), each table under its heading; writes it all
 * to `--out`. Options: `--help`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { killAllStarted } from "../child-process-handle.js";
import { median } from "../statistics.js";
import { CLUSTER_EXTRAS, runExtra } from "./cluster-extras.js";
import { ClusterFleet } from "./cluster-fleet.js";
import type { ClusterTarget } from "./cluster-messages.js";
import { parseClusterOptions } from "./cluster-options.js";
import type { ClusterRow } from "./cluster-section.js";
import { CLUSTER_SECTIONS } from "./cluster-sections.js";
import { RedisProbe } from "./redis-probe.js";
import { SPREAD_ROOM } from "./section-broadcast.js";
import { SOLO_ROOM } from "./section-egress.js";

const options = parseClusterOptions(process.argv.slice(2));
const known = [...CLUSTER_SECTIONS, ...CLUSTER_EXTRAS].map((part) => part.name);
const unknown = options.only.filter((name) => !known.includes(name));
if (unknown.length > 0)
  throw new Error(`--only must name some of ${known.join(", ")}; got ${unknown.join(", ")}`);
const wanted = (name: string): boolean => options.only.length === 0 || options.only.includes(name);
const sections = CLUSTER_SECTIONS.filter((s) => wanted(s.name));
const extras = CLUSTER_EXTRAS.filter((e) => wanted(e.name));
const log = (message: string): void => {
  console.error(`[bench:cluster ${new Date().toISOString().slice(11, 19)}] ${message}`);
};

const onSignal = (): void => {
  killAllStarted();
  void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

/** row key -> target name -> one value per run. */
const results = new Map<string, Map<string, number[]>>();
const loadBefore = loadavg()[0]!;
const redis = sections.length > 0 ? await RedisProbe.start() : undefined;
try {
  for (let run = 0; redis !== undefined && run < options.runs; run++) {
    for (const target of options.targets) {
      log(`run ${run + 1}/${options.runs}: ${target.name}`);
      // Node 0 holds the room of the egress section; every node holds the broadcast room.
      const fleet = await ClusterFleet.start(target, redis.url, options.nodes, (i) =>
        i === 0 ? [SPREAD_ROOM, SOLO_ROOM] : [SPREAD_ROOM],
      );
      try {
        for (const section of sections) {
          const values = await section.run({
            target,
            fleet,
            redis,
            options,
            log: (m) => log(`${target.name}: ${m}`),
          });
          for (const [key, value] of Object.entries(values)) {
            const byTarget = results.get(key) ?? new Map<string, number[]>();
            results.set(key, byTarget);
            byTarget.set(target.name, [...(byTarget.get(target.name) ?? []), value]);
          }
        }
      } finally {
        await fleet.stop();
      }
    }
  }
} finally {
  killAllStarted();
  await redis?.stop();
}

function value(row: ClusterRow, target: ClusterTarget | undefined): number | undefined {
  if (target === undefined) return undefined;
  const runs = results.get(row.key)?.get(target.name);
  return runs === undefined ? undefined : median(runs);
}

function find(impl: ClusterTarget["impl"], mode: ClusterTarget["mode"]): ClusterTarget | undefined {
  return options.targets.find((t) => t.impl === impl && t.mode === mode);
}

/** `×0.42 ✓` for Plexus in `mode` against its baseline, or `–` when a side was not run. */
function ratioCell(row: ClusterRow, mode: ClusterTarget["mode"]): string {
  const baseMode = row.goal?.baseline === "classic" ? "classic" : mode;
  const plexus = value(row, find("plexus", mode));
  const base = value(row, find("socket.io", baseMode));
  if (plexus === undefined || base === undefined || base === 0) return "–";
  const ratio = plexus / base;
  let text = `×${ratio.toFixed(2)}`;
  if (row.goal !== undefined) {
    const bound = typeof row.goal.value === "function" ? row.goal.value(options.nodes) : row.goal.value;
    const met = row.goal.op === ">=" ? ratio >= bound : ratio <= bound;
    text += met ? " ✓" : " ✗";
  }
  return text;
}

const rows = sections.flatMap((s) => s.rows);
const columns = options.targets.map((t) => t.name);
const lines = [
  `| row | ${columns.join(" | ")} | plexus / socket.io, classic | plexus / socket.io, sharded | goal |`,
  `| --- | ${columns.map(() => "---:").join(" | ")} | ---: | ---: | --- |`,
  ...rows.map((row) => {
    const cells = options.targets.map((t) => {
      const v = value(row, t);
      return v === undefined
        ? "–"
        : `${v.toLocaleString("en-US", { maximumFractionDigits: row.digits, minimumFractionDigits: row.digits })} ${row.unit}`;
    });
    const goal =
      row.goal === undefined
        ? ""
        : `${row.goal.text}${row.goal.baseline === "classic" ? " (both vs socket.io classic)" : ""}`;
    return `| ${row.label} | ${cells.join(" | ")} | ${ratioCell(row, "classic")} | ${ratioCell(row, "sharded")} | ${goal} |`;
  }),
];
const o = options;
const setup =
  `${o.nodes} nodes + 1 Redis (${cpus().length} cores, load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}, Node ${process.version}); ` +
  `broadcast: ${o.broadcastClients} clients/node, ${o.emits} emits (${o.perTick}/turn) of ${o.payloadBytes} B, median of ${o.repeats}; ` +
  `egress: ${o.egressEmits} emits of ${o.egressPayloadBytes} B from node 1 to a room on node 0; fetchSockets: ${Math.ceil(o.fetchSockets / o.nodes) * o.nodes} sockets, ${o.fetchSamples} calls; ` +
  `${o.runs} run(s); node-redis clients`;
let table = sections.length > 0 ? `${lines.join("\n")}\n\n${setup}\n` : "";
console.log(`\n${table}`);
for (const extra of extras) {
  log(`${extra.name}: ${extra.script}`);
  const printed = await runExtra(extra, options.quick, 30 * 60_000);
  const part = `\n### ${extra.title}\n\n\`\`\`\n${printed}\n\`\`\`\n`;
  console.log(part);
  table += part;
}
if (options.out !== "") {
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(
    options.out,
    `Command: \`npm run bench:cluster -- ${process.argv.slice(2).join(" ")}\`\n\n${table}`,
  );
  log(`table written to ${options.out}`);
}
process.exit(0);
