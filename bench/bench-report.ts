/**
 * Turns the records of a run into the comparison table (medians per implementation, ratio last/first,
 * target check) and the memory plots.
 */
import type { ScenarioName } from "./bench-options.js";
import type { ImplName } from "./control-messages.js";
import { type PlotSeries, renderMemoryPlot } from "./memory-plot.js";
import type { ReportRow } from "./report-rows.js";
import type { ScenarioResult } from "./scenario-context.js";
import { median } from "./statistics.js";

/** One implementation slot of the run (the same implementation may appear twice, e.g. A/A tests). */
export interface ImplSlot {
  readonly label: string;
  readonly impl: ImplName;
}

export interface RunRecord {
  readonly scenario: ScenarioName;
  readonly label: string;
  readonly run: number;
  readonly durationMs: number;
  /** One-minute load average of the machine when the run started (noise from other work). */
  readonly loadAverage?: number;
  readonly result?: ScenarioResult;
  readonly error?: string;
}

export interface SummaryRow {
  readonly label: string;
  readonly unit: string;
  readonly scenario: ScenarioName;
  readonly metric: string;
  /** Median per implementation label, in the shown unit (null: no successful run). */
  readonly medians: Record<string, number | null>;
  /** Every run's value per implementation label, in the shown unit. */
  readonly runs: Record<string, number[]>;
  readonly ratio: number | null;
  readonly target: string | null;
  readonly met: boolean | null;
}

export function implSlots(impls: readonly ImplName[]): ImplSlot[] {
  return impls.map((impl, i) => ({
    impl,
    label: impls.indexOf(impl) !== impls.lastIndexOf(impl) ? `${impl}#${i + 1}` : impl,
  }));
}

export function summarize(
  records: readonly RunRecord[],
  rows: readonly ReportRow[],
  slots: readonly ImplSlot[],
): SummaryRow[] {
  const first = slots[0]!.label;
  const last = slots[slots.length - 1]!.label;
  return rows
    .filter((row) =>
      records.some((r) => r.result?.metrics[row.metric] !== undefined && r.scenario === row.scenario),
    )
    .map((row) => {
      const medians: Record<string, number | null> = {};
      const runs: Record<string, number[]> = {};
      for (const slot of slots) {
        const values = records
          .filter((r) => r.scenario === row.scenario && r.label === slot.label)
          .map((r) => r.result?.metrics[row.metric])
          .filter((v): v is number => typeof v === "number" && Number.isFinite(v))
          .map((v) => v * row.scale);
        runs[slot.label] = values;
        medians[slot.label] = values.length > 0 ? median(values) : null;
      }
      const a = medians[first] ?? null;
      const b = medians[last] ?? null;
      const ratio = slots.length > 1 && a !== null && b !== null && a !== 0 ? b / a : null;
      const target =
        row.target === undefined ? null : `${row.target.op === "<=" ? "≤" : "≥"} ${row.target.ratio}`;
      const met =
        row.target === undefined || ratio === null
          ? null
          : row.target.op === "<="
            ? ratio <= row.target.ratio
            : ratio >= row.target.ratio;
      return {
        label: row.label,
        unit: row.unit,
        scenario: row.scenario,
        metric: row.metric,
        medians,
        runs,
        ratio,
        target,
        met,
      };
    });
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A Markdown table (readable in a terminal too). */
export function formatTable(
  summary: readonly SummaryRow[],
  slots: readonly ImplSlot[],
  digitsOf: (row: SummaryRow) => number,
): string {
  const first = slots[0]!.label;
  const last = slots[slots.length - 1]!.label;
  // Targets are ratios Plexus / socket.io: meaningless for any other pairing (e.g. an A/A noise run).
  const targets = slots[0]!.impl === "socket.io" && slots[slots.length - 1]!.impl === "plexus";
  // Slots between the first and the last (e.g. the `ws` floor) get a ratio column of their own: last / slot.
  const middle = slots.slice(1, -1).map((s) => s.label);
  const header = ["measurement", "unit", ...slots.map((s) => s.label)];
  if (slots.length > 1) header.push(`${last} / ${first}`);
  if (targets) header.push("target", "met");
  for (const label of middle) header.push(`${last} / ${label}`);
  const lines = summary.map((row) => {
    const cells = [row.label, row.unit];
    for (const slot of slots) {
      const v = row.medians[slot.label];
      cells.push(v === null || v === undefined ? "–" : v.toFixed(digitsOf(row)));
    }
    if (slots.length > 1) cells.push(row.ratio === null ? "–" : row.ratio.toFixed(2));
    if (targets) cells.push(row.target ?? "", row.met === null ? "" : row.met ? "yes" : "NO");
    for (const label of middle) {
      const a = row.medians[label];
      const b = row.medians[last];
      cells.push(
        a === null || a === undefined || b === null || b === undefined || a === 0 ? "–" : (b / a).toFixed(2),
      );
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = (i: number) => i >= 2;
  const fmt = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => pad(c, widths[i]!, numeric(i))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`;
  return [fmt(header), rule, ...lines.map(fmt)].join("\n");
}

const COLORS = ["#d1495b", "#2e86ab", "#edae49", "#66a182"];

/** Median RSS added over the empty server, per connection count, over the runs of one implementation. */
function medianCurve(
  records: readonly RunRecord[],
  label: string,
  series: string,
): { x: number; y: number }[] {
  const byCount = new Map<number, number[]>();
  for (const r of records) {
    if (r.label !== label) continue;
    const points = r.result?.series?.[series] ?? [];
    // Relative to the same process with no client: the constant start-up footprint (Node, tsx, modules)
    // is not what a connection costs.
    const base = points.find((p) => p.clients === 0)?.rss ?? 0;
    for (const p of points) {
      const list = byCount.get(p.clients) ?? [];
      list.push((p.rss - base) / 2 ** 20);
      byCount.set(p.clients, list);
    }
  }
  return [...byCount.entries()].map(([x, ys]) => ({ x, y: median(ys) }));
}

export function memoryPlot(
  records: readonly RunRecord[],
  slots: readonly ImplSlot[],
  seriesNames: readonly { readonly key: string; readonly name: string; readonly dashed: boolean }[],
  title: string,
  subtitle: string,
): string | null {
  const series: PlotSeries[] = [];
  slots.forEach((slot, i) => {
    for (const s of seriesNames) {
      const points = medianCurve(records, slot.label, s.key);
      if (points.length > 0) {
        series.push({
          name: `${slot.label} ${s.name}`,
          color: COLORS[i % COLORS.length]!,
          dashed: s.dashed,
          points,
        });
      }
    }
  });
  if (series.length === 0) return null;
  return renderMemoryPlot({
    title,
    subtitle,
    xLabel: "connected clients",
    yLabel: "server RSS added after gc() (MB)",
    series,
  });
}

/**
 * Memory at each connection count: total RSS after gc(), and RSS and heap added per client averaged
 * from the empty server (what issue 3 calls "memory per idle session at 10,000 sessions").
 */
export function formatLevelsTable(
  records: readonly RunRecord[],
  slots: readonly ImplSlot[],
  seriesKeys: readonly string[],
): string {
  const first = slots[0]!.label;
  const last = slots[slots.length - 1]!.label;
  const header = ["series", "clients"];
  for (const s of slots) header.push(`${s.label} RSS MB`);
  for (const s of slots) header.push(`${s.label} RSS KB/client`);
  for (const s of slots) header.push(`${s.label} heap KB/client`);
  if (slots.length > 1) header.push("RSS/client ratio");
  const lines: string[][] = [];
  for (const key of seriesKeys) {
    const counts = new Set<number>();
    for (const r of records)
      for (const p of r.result?.series?.[key] ?? []) if (p.clients > 0) counts.add(p.clients);
    for (const clients of [...counts].sort((a, b) => a - b)) {
      const rss: Record<string, number> = {};
      const perRss: Record<string, number> = {};
      const perHeap: Record<string, number> = {};
      for (const slot of slots) {
        const totals: number[] = [];
        const rssAdded: number[] = [];
        const heapAdded: number[] = [];
        for (const r of records) {
          if (r.label !== slot.label) continue;
          const points = r.result?.series?.[key] ?? [];
          const base = points.find((p) => p.clients === 0);
          const point = points.find((p) => p.clients === clients);
          if (base === undefined || point === undefined) continue;
          totals.push(point.rss / 2 ** 20);
          rssAdded.push((point.rss - base.rss) / clients / 1024);
          heapAdded.push((point.heapUsed - base.heapUsed) / clients / 1024);
        }
        rss[slot.label] = median(totals);
        perRss[slot.label] = median(rssAdded);
        perHeap[slot.label] = median(heapAdded);
      }
      const show = (v: number | undefined, d: number) =>
        v === undefined || Number.isNaN(v) ? "–" : v.toFixed(d);
      const cells = [key, String(clients)];
      for (const s of slots) cells.push(show(rss[s.label], 1));
      for (const s of slots) cells.push(show(perRss[s.label], 2));
      for (const s of slots) cells.push(show(perHeap[s.label], 2));
      if (slots.length > 1) cells.push(show(perRss[last]! / perRss[first]!, 2));
      lines.push(cells);
    }
  }
  if (lines.length === 0) return "";
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [fmt(header), rule, ...lines.map(fmt)].join("\n");
}
