/**
 * Turns the soak results of each server into one side-by-side markdown table (and the JSON kept next to
 * it): connections, ends, errors by kind, server disconnect reasons, stuck steps, canary latency, heap.
 */
import type { CanaryResult } from "./soak-canary.js";
import type { ChurnReport, SoakServerStats, StuckStep } from "./soak-messages.js";

export interface SoakResult {
  readonly impl: string;
  readonly detail: string;
  readonly durationMs: number;
  readonly loops: number;
  readonly churn: ChurnReport;
  readonly canary: CanaryResult;
  readonly start: SoakServerStats;
  /** Server stats once every session ended (or the wait gave up), before the final GC. */
  readonly beforeGc: SoakServerStats;
  readonly end: SoakServerStats;
}

export interface ReportContext {
  readonly command: string;
  /** 1-minute load average sampled every minute of the measured phase (min, max), and at the end. */
  readonly loadAverage: number[];
  readonly loadDuring: { readonly min: number; readonly max: number };
  /** `YYYY-MM-DD HH:MM` UTC of the start of the measured phase. */
  readonly startedAt: string;
  /** `git describe`-like: short commit, `-dirty` with uncommitted changes; "unknown" outside git. */
  readonly commit: string;
  readonly node: string;
  readonly cores: number;
}

const MB = 1024 * 1024;

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : "–";
}

/** Counts of the measured phase: the server's totals at the end minus those at the start (after warm-up). */
function delta(end: Record<string, number>, start: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(end)) {
    const d = v - (start[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function keysOf(results: readonly SoakResult[], pick: (r: SoakResult) => Record<string, number>): string[] {
  const keys = new Set<string>();
  for (const r of results) for (const k of Object.keys(pick(r))) keys.add(k);
  return [...keys].sort();
}

function describeStuck(s: StuckStep): string {
  const server = s.server;
  const session = server?.session;
  const serverSide =
    server === undefined
      ? "server not asked"
      : `${session === null || session === undefined ? "server has no trace of the session" : `server trace (${session.transport}${session.closed === undefined ? "" : `, closed: ${session.closed}`}): ${session.lines.join("; ")}`}; last handshake ${server.sinceLastHandshakeMs} ms before, loop delay max ${server.loopDelayMaxMs} ms, ${server.sessions} sessions`;
  const end =
    s.resolvedAfterMs === undefined
      ? "still waiting at the end"
      : `ended after ${s.resolvedAfterMs} ms (${s.outcome})`;
  const late =
    s.clientTimerLateMs === undefined ? "" : ` Client watchdog timer ${s.clientTimerLateMs} ms late.`;
  return `- ${s.step} [${s.request}] on ${s.transport}, sid ${s.sid ?? "–"}: ${end}. Client last saw: ${s.clientLast}.${late} ${serverSide}`;
}

export function renderSoakReport(
  results: readonly SoakResult[],
  context: ReportContext,
): { markdown: string; json: unknown } {
  const header = `| | ${results.map((r) => r.impl).join(" | ")} |`;
  const rule = `|---|${results.map(() => "---:").join("|")}|`;
  const rows: string[] = [header, rule];
  const row = (label: string, cell: (r: SoakResult) => string) =>
    rows.push(`| ${label} | ${results.map(cell).join(" | ")} |`);
  row("server", (r) => r.detail.replace(/ \(pid \d+\)/, ""));
  row("duration, client loops", (r) => `${(r.durationMs / 60000).toFixed(1)} min, ${r.loops}`);
  row("connections made (CONNECT answered)", (r) => `${r.churn.connected}`);
  row("… of which upgraded polling → WebSocket", (r) => `${r.churn.upgrades}`);
  for (const kind of keysOf(results, (r) => r.churn.probeFailures))
    row(`… upgrade probe failed, stayed on polling: ${kind}`, (r) => `${r.churn.probeFailures[kind] ?? 0}`);
  row("server `connection` events", (r) => `${r.end.connections - r.start.connections}`);
  for (const way of keysOf(results, (r) => r.churn.ended))
    row(`sessions ended: ${way}`, (r) => `${r.churn.ended[way] ?? 0}`);
  row("acks received / broadcasts received", (r) => `${r.churn.acks} / ${r.churn.broadcasts}`);
  row(
    "**client errors (all kinds)**",
    (r) => `**${Object.values(r.churn.errors).reduce((a, b) => a + b, 0)}**`,
  );
  for (const kind of keysOf(results, (r) => r.churn.errors))
    row(`error: ${kind}`, (r) => `${r.churn.errors[kind] ?? 0}`);
  const reasons = (r: SoakResult) => delta(r.end.disconnectReasons, r.start.disconnectReasons);
  for (const reason of keysOf(results, reasons))
    row(`server disconnect: ${reason}`, (r) => `${reasons(r)[reason] ?? 0}`);
  const refused = (r: SoakResult) => delta(r.end.connectionErrors, r.start.connectionErrors);
  for (const message of keysOf(results, refused))
    row(`server connection_error: ${message}`, (r) => `${refused(r)[message] ?? 0}`);
  const stuckOf = (r: SoakResult) => r.churn.stuck.filter((s) => s.drop !== true);
  const dropsOf = (r: SoakResult) => r.churn.stuck.filter((s) => s.drop === true);
  row(`**stuck steps (> threshold)**`, (r) => `**${stuckOf(r).length}**`);
  row("sessions dropped by the server while their client waited", (r) => `${dropsOf(r).length}`);
  row(
    "canary echo p50 / p99 / max (ms)",
    (r) => `${ms(r.canary.p50)} / ${ms(r.canary.p99)} / ${ms(r.canary.max)}`,
  );
  row("canary acks lost / reconnects", (r) => `${r.canary.lost} / ${r.canary.reconnects}`);
  row("sessions left when measured", (r) => `${r.beforeGc.sessions}`);
  row(
    "heap after GC: start → end (MB)",
    (r) =>
      `${mb(r.start.heapUsed)} → ${mb(r.end.heapUsed)} (${r.end.heapUsed >= r.start.heapUsed ? "+" : ""}${mb(r.end.heapUsed - r.start.heapUsed)})`,
  );
  row("RSS: start → end (MB)", (r) => `${mb(r.start.rss)} → ${mb(r.end.rss)}`);
  // README-ready: the sentence that says where the numbers come from, then the table.
  const lines = [
    `\`${context.command}\` on ${context.startedAt} UTC, commit \`${context.commit}\`, Node ${context.node}, ` +
      `${context.cores} cores; load average (1 min) ${context.loadDuring.min.toFixed(1)}–${context.loadDuring.max.toFixed(1)} ` +
      `during the run, ${context.loadAverage.map((l) => l.toFixed(2)).join(", ")} at the end.`,
    "",
    ...rows,
    "",
  ];
  for (const r of results) {
    for (const [title, list] of [
      ["Stuck steps", stuckOf(r)],
      ["Drops", dropsOf(r)],
    ] as const) {
      if (list.length === 0) continue;
      lines.push(`${title} of ${r.impl} (${list.length}):`, "");
      for (const s of list.slice(0, 30)) lines.push(describeStuck(s));
      if (list.length > 30) lines.push(`- … ${list.length - 30} more in the JSON`);
      lines.push("");
    }
  }
  return { markdown: `${lines.join("\n")}\n`, json: { context, results } };
}
