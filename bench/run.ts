/**
 * The benchmark suite: Plexus and socket.io side by side in one run (issue 6), plus the bare engines
 * (issue 3). `npm run bench` (full, about 20 min, run it on a quiet machine) or `npm run bench -- --quick`.
 *
 * Each scenario runs once per implementation per run, interleaved (A, B, A, B, …), each time in a fresh
 * server process with fresh load-generator processes; the table shows medians and the ratio last/first.
 * Results: a table on stdout, `bench/results/<name>.json`, and SVG plots of memory versus connections.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseBenchOptions, USAGE } from "./bench-options.js";
import {
  formatLevelsTable,
  formatTable,
  implSlots,
  memoryPlot,
  type RunRecord,
  summarize,
} from "./bench-report.js";
import { killAllStarted } from "./child-process-handle.js";
import { reportRows } from "./report-rows.js";
import { ScenarioContext } from "./scenario-context.js";
import { SCENARIO_SHAPE, SCENARIOS } from "./scenarios/scenarios.js";
import { servesScenario } from "./target-implementations.js";

let parsed: ReturnType<typeof parseBenchOptions>;
try {
  parsed = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(64);
}
if (parsed === "help") {
  console.log(USAGE);
  process.exit(0);
}
const options = parsed;
const slots = implSlots(options.impls);
const started = new Date();
const startedMs = Date.now();

// Bounded in time whatever happens: a soft deadline skips the remaining scenario runs, a hard one kills
// every process this run started (by PID) and exits.
const softDeadlineMs = (options.quick ? 4 : 45) * 60_000;
const hardDeadline = setTimeout(
  () => {
    console.error("bench: hard time limit reached, stopping every process it started");
    killAllStarted();
    process.exit(2);
  },
  softDeadlineMs + 10 * 60_000,
);
hardDeadline.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAllStarted();
    process.exit(130);
  });
}

/**
 * Machine-wide TCP listen-queue overflows (Linux `/proc/net/netstat`): each one is a dropped SYN that the
 * client retries after 1 s, which shows up as a 1 s latency outlier. Counted by the whole machine, so
 * other work on it contributes too. `null` where the counter is not available.
 */
function listenOverflows(): number | null {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = lines[i]!.split(" ");
      const index = names.indexOf("ListenOverflows");
      if (index > 0) return Number(lines[i + 1]!.split(" ")[index]);
    }
  } catch {
    // not Linux
  }
  return null;
}
const overflowsAtStart = listenOverflows();

function log(message: string): void {
  const t = ((Date.now() - startedMs) / 1000).toFixed(0).padStart(4);
  console.log(`[${t}s] ${message}`);
}

log(
  `${options.quick ? "quick" : "full"} run: ${slots.map((s) => s.label).join(" vs ")}, ${options.runs} run(s), ` +
    `scenarios ${options.scenarios.join(", ")}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
);

const records: RunRecord[] = [];
const details: Record<string, string[]> = {};
for (const scenario of options.scenarios) {
  for (let run = 1; run <= options.runs; run++) {
    for (const slot of slots) {
      const [level, transport] = SCENARIO_SHAPE[scenario];
      // Not a failure: the floor has no such level or transport, and its column shows "–" there.
      if (!servesScenario(slot.impl, level, transport)) continue;
      if (Date.now() - startedMs > softDeadlineMs) {
        records.push({ scenario, label: slot.label, run, durationMs: 0, error: "skipped: time limit" });
        continue;
      }
      const ctx = new ScenarioContext(slot.impl, options, (m) =>
        log(`${scenario} #${run} ${slot.label}: ${m}`),
      );
      const t0 = Date.now();
      const loadAverage = loadavg()[0]!;
      try {
        const result = await SCENARIOS[scenario](ctx);
        records.push({ scenario, label: slot.label, run, durationMs: Date.now() - t0, loadAverage, result });
        if (result.detail !== undefined) {
          const list = details[slot.label] ?? [];
          details[slot.label] = list;
          const pkg = result.detail.replace(/ \(.*$/, "");
          if (!list.includes(pkg)) list.push(pkg);
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`${scenario} #${run} ${slot.label}: FAILED ${message}`);
        records.push({
          scenario,
          label: slot.label,
          run,
          durationMs: Date.now() - t0,
          loadAverage,
          error: message,
        });
      } finally {
        await ctx.close();
      }
    }
  }
}

const rows = reportRows(options.sizes);
const summary = summarize(records, rows, slots);
const digits = new Map(rows.map((r) => [`${r.scenario}/${r.metric}`, r.digits]));
const table = formatTable(summary, slots, (row) => digits.get(`${row.scenario}/${row.metric}`) ?? 2);
const finished = new Date();
const load = loadavg();
const overflowsAtEnd = listenOverflows();
const overflows =
  overflowsAtStart === null || overflowsAtEnd === null ? null : overflowsAtEnd - overflowsAtStart;

const name = options.quick ? "latest-quick" : "latest";
mkdirSync(options.outDir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, "-");
const json = {
  command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
  startedAt: started.toISOString(),
  finishedAt: finished.toISOString(),
  mode: options.quick ? "quick" : "full",
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "?",
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    loadAverageAtEnd: load,
    tcpListenOverflowsDuringRun: overflows,
  },
  implementations: slots.map((s) => ({ ...s, packages: details[s.label] ?? [] })),
  runs: options.runs,
  sizes: options.sizes,
  serverOptions: { pingInterval: options.pingInterval, pingTimeout: options.pingTimeout },
  table: summary,
  records,
};
writeFileSync(join(options.outDir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
// Full runs are also kept under their start time, so earlier results stay comparable.
if (!options.quick)
  writeFileSync(join(options.outDir, `bench-${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`);

const plotSuffix = options.quick ? "-quick" : "";
const subtitle =
  `RSS after gc() minus the same process with no client; medians of ${options.runs} run(s), ` +
  `${started.toISOString().slice(0, 10)}, Node ${process.version}`;
const plots: [string, string | null][] = [
  [
    `memory${plotSuffix}.svg`,
    memoryPlot(
      records,
      slots,
      [
        { key: "websocket", name: "WebSocket", dashed: false },
        { key: "polling", name: "polling", dashed: true },
      ],
      "Socket.IO server memory vs idle connections",
      subtitle,
    ),
  ],
  [
    `engine-memory${plotSuffix}.svg`,
    memoryPlot(
      records,
      slots,
      [
        { key: "engine-websocket", name: "WebSocket", dashed: false },
        { key: "engine-polling", name: "polling", dashed: true },
      ],
      "Engine-only server memory vs idle sessions",
      subtitle,
    ),
  ],
];
const written: string[] = [`${name}.json`];
for (const [file, svg] of plots) {
  if (svg === null) continue;
  writeFileSync(join(options.outDir, file), svg);
  written.push(file);
}

const failures = records.filter((r) => r.error !== undefined);
const heading = `${slots.map((s) => `${s.label} = ${(details[s.label] ?? [s.impl]).join(" + ")}`).join("; ")}`;
const markdown = [
  `# Benchmark: ${slots.map((s) => s.label).join(" vs ")} (${options.quick ? "quick" : "full"} run)`,
  "",
  `Command: \`${json.command}\` — ${started.toISOString()}, Node ${process.version}, ${cpus().length} × ${json.machine.cpuModel},` +
    ` medians of ${options.runs} run(s), load average at end ${load.map((l) => l.toFixed(2)).join(" ")}.`,
  `Implementations: ${heading}.`,
  "",
  table,
  "",
  formatLevelsTable(records, slots, ["websocket", "polling", "engine-websocket", "engine-polling"]),
  "",
  ...written.filter((w) => w.endsWith(".svg")).map((w) => `![${w}](${w})`),
  "",
];
writeFileSync(join(options.outDir, `${name}.md`), markdown.join("\n"));
written.push(`${name}.md`);
console.log("");
console.log(`Server-side measurements (medians of ${options.runs} run(s); ${heading})`);
console.log(table);
const levels = formatLevelsTable(records, slots, [
  "websocket",
  "polling",
  "engine-websocket",
  "engine-polling",
]);
if (levels !== "") {
  console.log("");
  console.log(
    "Memory at each connection count (RSS and heap added per client are averaged from the empty server):",
  );
  console.log(levels);
}
console.log("");
console.log(
  `load average at end: ${load.map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} cores; ` +
    `took ${((Date.now() - startedMs) / 60_000).toFixed(1)} min; wrote ${written.map((w) => join(options.outDir, w)).join(", ")}`,
);
if (overflows !== null && overflows > 0) {
  console.log(
    `warning: ${overflows} TCP listen-queue overflow(s) on this machine during the run (dropped SYNs are ` +
      "retried after 1 s: latency outliers, slower connects); other work on the machine counts too",
  );
}
if (failures.length > 0) {
  console.log(`${failures.length} scenario run(s) failed:`);
  for (const f of failures) console.log(`  ${f.scenario} #${f.run} ${f.label}: ${f.error}`);
}
process.exit(failures.length > 0 ? 1 : 0);
