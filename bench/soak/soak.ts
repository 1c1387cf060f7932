/**
 * `npm run soak`: a churn soak of Plexus side by side with socket.io, in one run (both servers under the
 * same load at the same time, each with its own generator process). Not a test: it runs for minutes and
 * reports; nothing asserts. See bench/soak/README.md for what it does and how to read the table.
 *
 *   npm run soak -- [--duration 5m] [--clients 500] [--impl socket.io --impl plexus] [--stuck 15s]
 *                   [--rooms 20] [--ping-interval 25000] [--ping-timeout 20000] [--out bench/results/soak]
 *                   [--freeze 12s --freeze-every 30s]
 *
 * `--freeze` starves the clients on purpose: every `--freeze-every` of the measured phase each generator
 * process is stopped (SIGSTOP) for that long, then resumed, as a descheduled process on a busy machine is.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ChildProcessHandle, killAllStarted } from "../child-process-handle.js";
import { wallNow } from "../control-messages.js";
import { Canary, type CanaryResult } from "./soak-canary.js";
import type {
  ChurnReport,
  SoakGeneratorCommands,
  SoakServerCommands,
  SoakServerStats,
  StuckStep,
} from "./soak-messages.js";
import { renderSoakReport, type SoakResult } from "./soak-report.js";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5m" },
    clients: { type: "string", default: "500" },
    impl: { type: "string", multiple: true, default: ["socket.io", "plexus"] },
    stuck: { type: "string", default: "15s" },
    rooms: { type: "string", default: "20" },
    "ping-interval": { type: "string", default: "25000" },
    "ping-timeout": { type: "string", default: "20000" },
    warmup: { type: "string", default: "60s" },
    freeze: { type: "string", default: "0" },
    "freeze-every": { type: "string", default: "30s" },
    out: { type: "string", default: "bench/results/soak" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "npm run soak -- [--duration 5m|30m|90s] [--clients 500 (loops per server)] [--impl socket.io --impl plexus]\n" +
      "               [--warmup 60s] [--stuck 15s] [--rooms 20] [--ping-interval 25000] [--ping-timeout 20000] [--out bench/results/soak]\n" +
      "               [--freeze 12s --freeze-every 30s (stop the client generators that long, that often: starved clients)]",
  );
  process.exit(0);
}

function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (m === null) throw new Error(`bad duration ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return Number(m[1]) * unit;
}

const durationMs = duration(values.duration);
const loopsPerServer = Number(values.clients);
const stuckMs = duration(values.stuck);
const pingInterval = Number(values["ping-interval"]);
const pingTimeout = Number(values["ping-timeout"]);
const here = dirname(new URL(import.meta.url).pathname);
const addressOctet = 10 + Math.floor(Math.random() * 200);

/** The code measured: short commit, `-dirty` when the tree has uncommitted changes. */
function gitCommit(): string {
  try {
    const git = (args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
    return `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--untracked-files=no"]) === "" ? "" : "-dirty"}`;
  } catch {
    return "unknown";
  }
}

function log(message: string): void {
  console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

interface Target {
  readonly impl: string;
  readonly server: ChildProcessHandle<SoakServerCommands>;
  generator: ChildProcessHandle<SoakGeneratorCommands>;
  readonly canary: Canary;
  readonly stuck: StuckStep[];
  startStats?: SoakServerStats;
}

function spawnGenerator(impl: string): Promise<ChildProcessHandle<SoakGeneratorCommands>> {
  return ChildProcessHandle.spawn<SoakGeneratorCommands>({
    script: resolve(here, "churn-generator.ts"),
    args: [],
    label: `${impl} generator`,
  });
}

function startChurn(t: Target, index: number, phase: number): Promise<unknown> {
  return t.generator.request(
    "start",
    {
      target: {
        host: "127.0.0.1",
        port: t.server.ready.port,
        path: "/socket.io/",
        localAddress: `127.${addressOctet}.${phase * 16 + index}.1`,
        pingInterval,
      },
      loops: loopsPerServer,
      rampMs: 10_000,
      stuckMs,
      rooms: Number(values.rooms),
    },
    30_000,
  );
}

async function startTarget(impl: string): Promise<Target> {
  const server = await ChildProcessHandle.spawn<SoakServerCommands>({
    script: resolve(here, "soak-server.ts"),
    args: [
      "--impl",
      impl,
      "--rooms",
      values.rooms,
      "--ping-interval",
      `${pingInterval}`,
      "--ping-timeout",
      `${pingTimeout}`,
    ],
    nodeFlags: ["--expose-gc"],
    label: `${impl} server`,
  });
  const generator = await spawnGenerator(impl);
  log(`${server.ready.detail} on port ${server.ready.port}; generator pid ${generator.pid}`);
  return { impl, server, generator, canary: new Canary(server.ready.port), stuck: [] };
}

async function collectStuck(t: Target): Promise<void> {
  const fresh = await t.generator.request("take-stuck", {}, 30_000);
  for (const record of fresh) {
    const view = await t.server.request("view", { sid: record.sid }, 30_000).catch(() => undefined);
    if (view !== undefined) record.server = view;
    t.stuck.push(record);
    log(
      `${t.impl}: ${record.drop === true ? "DROP after" : "STUCK"} ${record.waitedMs} ms: ${record.step} [${record.request}] ${record.transport} sid ${record.sid}; ` +
        `client last: ${record.clientLast}; server: ${JSON.stringify(record.server)}`,
    );
  }
}

async function waitSessionsGone(t: Target, timeoutMs: number): Promise<SoakServerStats> {
  const deadline = wallNow() + timeoutMs;
  for (;;) {
    const stats = await t.server.request("stats", { gc: false, dropTraces: false }, 30_000);
    if ((stats.sessions === 0 && stats.sockets === 0) || wallNow() > deadline) return stats;
    await sleep(2000);
  }
}

/** Stops every generator for `freezeMs` every `everyMs` (off when `freezeMs` is 0); returns the undo. */
function freezeGenerators(targets: readonly Target[], freezeMs: number, everyMs: number): () => void {
  if (freezeMs <= 0) return () => {};
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen) process.kill(pid, "SIGCONT");
    frozen = [];
  };
  let thawTimer: NodeJS.Timeout | undefined;
  const timer = setInterval(() => {
    frozen = targets.map((t) => t.generator.pid);
    for (const pid of frozen) process.kill(pid, "SIGSTOP");
    log(`clients frozen for ${freezeMs} ms`);
    thawTimer = setTimeout(thaw, freezeMs);
  }, everyMs);
  return () => {
    clearInterval(timer);
    clearTimeout(thawTimer);
    thaw();
  };
}

async function main(): Promise<void> {
  // The code the processes load now (read before anything starts: the tree may change during the run).
  const commit = gitCommit();
  const impls = values.impl;
  log(
    `soak: ${impls.join(" vs ")}, ${loopsPerServer} client loops each, ${values.duration}, stuck after ${values.stuck}`,
  );
  const targets: Target[] = [];
  for (const impl of impls) targets.push(await startTarget(impl));
  const warmupMs = duration(values.warmup);
  if (warmupMs > 0) {
    // Warm-up: the same churn for a while, then every session ends; the heap measured after that is the
    // baseline (JIT code, inline caches and pools a server grows once are not what the soak looks for).
    log(`warm-up for ${values.warmup}`);
    for (const [i, t] of targets.entries()) await startChurn(t, i, 0);
    await sleep(warmupMs);
    await Promise.all(targets.map((t) => t.generator.request("stop", { graceMs: 30_000 }, 90_000)));
    for (const t of targets) {
      await t.generator.stop();
      t.generator = await spawnGenerator(t.impl);
    }
    await Promise.all(targets.map((t) => waitSessionsGone(t, pingInterval + pingTimeout + 20_000)));
  }
  for (const t of targets)
    t.startStats = await t.server.request("stats", { gc: true, dropTraces: true }, 60_000);
  log("measuring");
  const startedAt = wallNow();
  const startedAtText = new Date().toISOString().slice(0, 16).replace("T", " ");
  const loads = [loadavg()[0]!];
  for (const [i, t] of targets.entries()) {
    await t.canary.open();
    await startChurn(t, i, 1);
  }
  const unfreeze = freezeGenerators(targets, duration(values.freeze), duration(values["freeze-every"]));
  let nextProgress = startedAt + 60_000;
  while (wallNow() - startedAt < durationMs) {
    await sleep(5000);
    for (const t of targets) await collectStuck(t).catch((e: Error) => log(`${t.impl}: ${e.message}`));
    if (wallNow() >= nextProgress) {
      nextProgress += 60_000;
      loads.push(loadavg()[0]!);
      for (const t of targets) {
        const s = await t.server
          .request("stats", { gc: false, dropTraces: false }, 30_000)
          .catch(() => undefined);
        if (s !== undefined)
          log(
            `${t.impl}: ${s.sessions} sessions, ${s.sockets} sockets, ${s.connections} connections so far, ` +
              `heap ${(s.heapUsed / 1048576).toFixed(1)} MB, ${t.stuck.length} stuck`,
          );
      }
    }
  }
  unfreeze();
  const runMs = Math.round(wallNow() - startedAt);
  log("stopping the loops");
  const results: SoakResult[] = [];
  const churns: ChurnReport[] = [];
  const canaries: CanaryResult[] = [];
  for (const t of targets) canaries.push(t.canary.stop());
  const stops = await Promise.all(
    targets.map((t) => t.generator.request("stop", { graceMs: 30_000 }, 90_000)),
  );
  churns.push(...stops);
  for (const t of targets) await collectStuck(t).catch(() => undefined);
  log("waiting for the servers to see every session end");
  const gone = await Promise.all(
    targets.map((t) => waitSessionsGone(t, pingInterval + pingTimeout + 20_000)),
  );
  for (const [i, t] of targets.entries()) {
    const end = await t.server.request("stats", { gc: true, dropTraces: true }, 60_000);
    const churn = churns[i]!;
    // Final stuck records carry how each stuck step ended.
    const byStart = new Map(churn.stuck.map((s) => [`${s.loop}/${s.startedAt}/${s.step}`, s]));
    for (const s of t.stuck) {
      const final = byStart.get(`${s.loop}/${s.startedAt}/${s.step}`);
      if (final?.resolvedAfterMs !== undefined) s.resolvedAfterMs = final.resolvedAfterMs;
      if (final?.outcome !== undefined) s.outcome = final.outcome;
    }
    results.push({
      impl: t.impl,
      detail: t.server.ready.detail,
      durationMs: runMs,
      loops: loopsPerServer,
      churn: { ...churn, stuck: t.stuck },
      canary: canaries[i]!,
      start: t.startStats!,
      beforeGc: gone[i]!,
      end,
    });
  }
  for (const t of targets) {
    await t.generator.stop();
    await t.server.stop();
  }
  const { markdown, json } = renderSoakReport(results, {
    command: `npm run soak -- ${process.argv.slice(2).join(" ")}`.trim(),
    loadAverage: loadavg(),
    loadDuring: { min: Math.min(...loads), max: Math.max(...loads) },
    startedAt: startedAtText,
    commit,
    node: process.versions.node,
    cores: availableParallelism(),
  });
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(`${values.out}-latest.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`${values.out}-latest.md`, markdown);
  console.log(markdown);
  log(`written ${values.out}-latest.md and .json`);
}

const hardDeadline = setTimeout(
  () => {
    log("hard deadline passed: killing every process this run started");
    killAllStarted();
    process.exit(2);
  },
  durationMs + 10 * 60_000,
);
hardDeadline.unref();
process.on("SIGINT", () => {
  killAllStarted();
  process.exit(130);
});
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    killAllStarted();
    process.exit(1);
  },
);
