/**
 * `npm run bench:scale` — issue 13's benchmark: the whole machine, Plexus side by side with socket.io 4.8
 * on its documented multi-core setup, in one run. For each side (socket.io first): a node:cluster of
 * server workers (≤ 19,500 sockets each: the open-file limit) holding N concurrent WebSocket connections
 * from raw-protocol clients in several processes over many loopback source addresses; then, per side, a
 * ramp until a memory cap or the first errors. Prints and writes a README-ready table and a memory plot.
 *
 *   npm run bench:scale                                          # the full run: quiet machine only
 *   npm run bench:scale -- --connections 20000 --no-ramp         # on a shared machine
 *   npm run bench:scale -- --help
 *
 * Bounded: every request has a timeout, every process stops with its fleet (by PID), SIGINT/SIGTERM and a
 * hard deadline kill everything this run started. Traffic stays on loopback.
 */
import { execFileSync } from "node:child_process";
import { startRedis, type TestRedis } from "../../test-support/redis-server.js";
import { killAllStarted } from "../child-process-handle.js";
import type { ScaleImpl } from "./scale-messages.js";
import { parseScaleOptions, type ScaleOptions } from "./scale-options.js";
import { measureSide, type RampResult, rampSide, type SideResult } from "./scale-phases.js";
import { buildReport, writeReport } from "./scale-report.js";

function readOptions(): ScaleOptions {
  try {
    const parsed = parseScaleOptions(process.argv.slice(2));
    if (parsed === undefined) process.exit(0); // --help
    return parsed;
  } catch (error) {
    console.error(`bench:scale: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}
const options = readOptions();

const startedAt = performance.now();
function log(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0).padStart(5);
  console.log(`[${seconds} s] ${message}`);
}

// Plexus workers on `--plexus-adapter redis` share one redis-server, started and stopped (by PID) here.
let redis: TestRedis | undefined;

function stopEverything(): void {
  killAllStarted();
  void redis?.stop();
}

function abort(reason: string, code: number): never {
  console.error(`bench:scale: ${reason}: stopping every process this run started`);
  stopEverything();
  process.exit(code);
}
process.on("SIGINT", () => abort("interrupted", 130));
process.on("SIGTERM", () => abort("terminated", 143));
setTimeout(
  () => abort(`deadline of ${options.deadlineMs / 60_000} min passed`, 2),
  options.deadlineMs,
).unref();

const command = `npm run bench:scale${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
log(
  `${options.connections} connections on ${options.workers} workers per side` +
    (options.ramp
      ? `, then a ramp on ${options.rampWorkers} workers (cap ${options.rampCapBytes / 2 ** 30} GiB)`
      : ""),
);
const sides = new Map<ScaleImpl, SideResult>();
const ramps = new Map<ScaleImpl, RampResult>();
const failures: string[] = [];
try {
  if (options.plexusFrom === "dist" && options.impls.includes("plexus")) {
    log("building Plexus (scripts/build.mjs --if-changed): the servers load its dist/");
    execFileSync(
      process.execPath,
      [new URL("../../scripts/build.mjs", import.meta.url).pathname, "--if-changed"],
      {
        stdio: "inherit",
        timeout: 600_000,
      },
    );
  }
  if (options.plexusAdapter === "redis" && options.impls.includes("plexus")) redis = await startRedis();
  const url = redis?.url;
  for (const impl of options.impls) sides.set(impl, await measureSide(impl, options, url, log));
  if (options.ramp)
    for (const impl of options.impls) ramps.set(impl, await rampSide(impl, options, url, log));
} catch (error) {
  console.error(`bench:scale failed: ${error instanceof Error ? error.stack : error}`);
  killAllStarted();
  process.exitCode = 1;
}
await redis?.stop();
for (const failure of failures) console.error(`bench:scale: ${failure}`);
if (failures.length > 0) process.exitCode = 1;
if (sides.size > 0) {
  const report = buildReport(options, sides, ramps, command, failures);
  const written = writeReport(options, report, {
    command,
    options,
    node: process.version,
    finishedAt: new Date().toISOString(),
    sides: Object.fromEntries(sides),
    ramps: Object.fromEntries(ramps),
    failures,
  });
  console.log(`\n${report.markdown}`);
  log(`wrote ${written.md} and ${written.svg}`);
}
stopEverything();
process.exit(process.exitCode ?? 0);
