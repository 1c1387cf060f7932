/**
 * The results of `npm run bench:scale`: one README-ready Markdown table (socket.io, Plexus, the ratio
 * Plexus / socket.io and issue 13's target per row), the memory-versus-connections plot (SVG) and the raw
 * numbers (JSON), written to `bench/results/`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMemoryPlot } from "../memory-plot.js";
import type { ScaleImpl } from "./scale-messages.js";
import { MAX_SOCKETS_PER_WORKER, type ScaleOptions } from "./scale-options.js";
import type { RampResult, SideResult } from "./scale-phases.js";

interface Row {
  readonly label: string;
  readonly unit: string;
  readonly digits: number;
  value(side: SideResult | undefined, ramp: RampResult | undefined): number | undefined;
  /** The ramp's "most held" row (a lower bound when the ramp stopped at its maximum). */
  readonly ramp?: true;
  /** `false` for counts whose ratio means nothing (workers, errors). */
  readonly ratio?: false;
  /** Issue 13's target for Plexus / socket.io. */
  readonly target?: { readonly op: "<=" | ">="; readonly ratio: number };
}

const MB = 2 ** 20;

function k(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/**
 * Connections whose servers' RSS reaches `cap`: each costs its RSS per connection plus its share of an
 * empty worker (one per 19,500); the primary's RSS is paid once. The empty cluster's RSS is split evenly
 * over its processes for the estimate.
 */
function extrapolatedCeiling(s: SideResult, cap: number): number {
  const perProcess = s.rssEmpty / (s.workers + 1);
  return Math.floor((cap - perProcess) / (s.rssPerConnection + perProcess / MAX_SOCKETS_PER_WORKER));
}

function rows(o: ScaleOptions, sides: ReadonlyMap<ScaleImpl, SideResult>): Row[] {
  const n = k(o.connections);
  const sideFrom = [...sides.values()][0]?.rssSlopeFrom ?? 0;
  return [
    { label: "server workers", unit: "", digits: 0, ratio: false, value: (s) => s?.workers },
    {
      label: `total server RSS / ${n}`,
      unit: "KB",
      digits: 2,
      value: (s) => s && s.rssFull / s.connections / 1024,
    },
    {
      label: `total server RSS at ${n} connections`,
      unit: "MB",
      digits: 0,
      value: (s) => s && s.rssFull / MB,
    },
    {
      label: `RSS added per connection (${k(sideFrom)}→${n}, all processes)`,
      unit: "KB",
      digits: 2,
      value: (s) => s && s.rssPerConnection / 1024,
      target: { op: "<=", ratio: 0.35 },
    },
    {
      label: `time to open ${n} connections`,
      unit: "s",
      digits: 1,
      value: (s) => s && s.openMs / 1000,
      target: { op: "<=", ratio: 0.6 },
    },
    { label: "server CPU per connection", unit: "µs", digits: 0, value: (s) => s?.cpuPerConnection },
    {
      label: `one emit to ${n}: until the last client has it`,
      unit: "ms",
      digits: 1,
      value: (s) => s?.emitToLastMs,
      target: { op: "<=", ratio: 0.5 },
    },
    { label: "server CPU per delivery", unit: "µs", digits: 2, value: (s) => s?.cpuPerDelivery },
    {
      label: `heartbeat: server CPU per idle connection per ping interval (${o.pingInterval / 1000} s)`,
      unit: "µs",
      digits: 2,
      value: (s) => s?.heartbeatCpuPerConnection,
    },
    { label: "server CPU while idle", unit: "ms/s", digits: 1, value: (s) => s?.idleCpuMsPerSec },
    {
      label: "connect failures + unexpected disconnects",
      unit: "",
      digits: 0,
      ratio: false,
      value: (s) => s && s.connectFailures + s.unexpectedCloses,
    },
    {
      label: `ramp: most connections held (cap ${(o.rampCapBytes / 2 ** 30).toFixed(0)} GiB server RSS)`,
      unit: "",
      digits: 0,
      ramp: true,
      value: (_s, r) => r?.held,
      target: { op: ">=", ratio: 3 },
    },
    { label: "ramp: total server RSS then", unit: "MB", digits: 0, value: (_s, r) => r && r.rssAtHeld / MB },
    {
      // What the servers alone would hold at the cap: the box's own ceiling above also pays for the kernel's
      // socket buffers and the load generators, which are the same for both sides.
      label: `server-memory ceiling at ${(o.rampCapBytes / 2 ** 30).toFixed(0)} GiB (extrapolated: RSS per connection, plus an empty worker's RSS per ${MAX_SOCKETS_PER_WORKER})`,
      unit: "",
      digits: 0,
      value: (s) => s && extrapolatedCeiling(s, o.rampCapBytes),
    },
  ];
}

function cell(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

export interface ScaleReport {
  readonly markdown: string;
  readonly svg: string;
}

export function buildReport(
  options: ScaleOptions,
  sides: ReadonlyMap<ScaleImpl, SideResult>,
  ramps: ReadonlyMap<ScaleImpl, RampResult>,
  command: string,
  failures: readonly string[],
): ScaleReport {
  const lines = [
    `| ${options.connections.toLocaleString("en-US")} concurrent WebSocket connections | unit | socket.io | Plexus | Plexus / socket.io | target | met |`,
    "| --- | --- | ---: | ---: | ---: | ---: | :---: |",
  ];
  for (const row of rows(options, sides)) {
    const a = row.value(sides.get("socket.io"), ramps.get("socket.io"));
    const b = row.value(sides.get("plexus"), ramps.get("plexus"));
    const shownRatio = a !== undefined && b !== undefined && a > 0 && row.ratio !== false ? b / a : undefined;
    const target =
      row.target === undefined ? "" : `${row.target.op === "<=" ? "≤" : "≥"} ${row.target.ratio}×`;
    let met = "";
    if (row.target !== undefined && shownRatio !== undefined && Number.isFinite(shownRatio)) {
      met = (row.target.op === "<=" ? shownRatio <= row.target.ratio : shownRatio >= row.target.ratio)
        ? "yes"
        : "no";
    }
    // A ramp that stopped at --ramp-max holds at least that many: its ratio is a bound, not a measurement.
    const bounded = (impl: ScaleImpl) => row.ramp === true && ramps.get(impl)?.ceilingFound === false;
    if (bounded("socket.io") || (bounded("plexus") && met === "no")) met = "?";
    const ratioCell =
      shownRatio === undefined || !Number.isFinite(shownRatio) ? "–" : `${shownRatio.toFixed(2)}×`;
    lines.push(
      `| ${row.label} | ${row.unit} | ${bounded("socket.io") ? "≥ " : ""}${cell(a, row.digits)} | ${bounded("plexus") ? "≥ " : ""}${cell(b, row.digits)} | ${ratioCell} | ${target} | ${met} |`,
    );
  }
  lines.push("");
  for (const impl of options.impls) {
    const r = ramps.get(impl);
    if (r !== undefined) {
      lines.push(
        `- ${impl} ramp (${r.workers} workers) stopped: ${r.stopReason}; load generators' RSS then ` +
          `${(r.generatorRss / MB).toFixed(0)} MB, machine memory available ${(r.availableAtEnd / MB).toFixed(0)} MB`,
      );
    }
  }
  for (const impl of options.impls) {
    const s = sides.get(impl);
    if (s !== undefined) {
      lines.push(
        `- ${impl}: ${s.detail}; emit samples (ms) [${s.emitSamples.join(", ")}]; handshakes retried ${s.connectRetries}; load generators' RSS ${(s.generatorRss / MB).toFixed(0)} MB`,
      );
    }
  }
  for (const failure of failures) lines.push(`- failed: ${failure}`);
  lines.push("", `Command: \`${command}\` (${new Date().toISOString()}, ${process.version}).`);

  const colors: Record<ScaleImpl, string> = { "socket.io": "#d62728", plexus: "#1f77b4" };
  const series = options.impls.flatMap((impl) => {
    const out = [];
    const r = ramps.get(impl);
    if (r !== undefined) {
      out.push({
        name: `${impl} ramp (${r.workers} w)`,
        color: colors[impl],
        dashed: false,
        points: r.points.map((p) => ({ x: p.connections, y: p.rss / MB })),
      });
    }
    const s = sides.get(impl);
    if (s !== undefined) {
      out.push({
        name: `${impl} (${s.workers} w)`,
        color: colors[impl],
        dashed: r !== undefined,
        points: s.points.map((p) => ({ x: p.connections, y: p.rss / MB })),
      });
    }
    return out;
  });
  const svg = renderMemoryPlot({
    title: "Total server memory versus WebSocket connections",
    subtitle: "node:cluster, RSS of the primary and all workers after gc()",
    xLabel: "concurrent WebSocket connections",
    yLabel: "total server RSS (MB)",
    series,
  });
  return { markdown: `${lines.join("\n")}\n`, svg };
}

/** Writes `scale.{json,md}` and `scale-memory.svg` (full runs), or `scale-quick.*` (anything smaller). */
export function writeReport(
  options: ScaleOptions,
  report: ScaleReport,
  raw: unknown,
): { readonly md: string; readonly svg: string } {
  const full = options.connections >= 100_000 && options.ramp;
  const stem = full ? "scale" : "scale-quick";
  mkdirSync(options.outDir, { recursive: true });
  const md = join(options.outDir, `${stem}.md`);
  const svg = join(options.outDir, full ? "scale-memory.svg" : "scale-memory-quick.svg");
  writeFileSync(md, report.markdown);
  writeFileSync(svg, report.svg);
  writeFileSync(join(options.outDir, `${stem}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  return { md, svg };
}
