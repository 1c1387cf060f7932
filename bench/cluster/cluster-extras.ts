/**
 * The parts of `npm run bench:cluster` that need a setup of their own, so they do not run on the fleet of
 * `cluster-fleet.ts`: each is a standalone script (also runnable alone), started here as a child process
 * after the fleet sections; its printed table is appended to the report under its own heading.
 *
 * - `recovery` (`bench/recovery-cost.ts`): connection state recovery through Redis, Plexus +
 *   `@plexus/redis-adapter` against socket.io + `@socket.io/redis-streams-adapter`.
 * - `presence` (`bench/presence-churn.ts`): presence under churn on 3 nodes + Redis, against what socket.io
 *   applications do without presence (a broadcast per change, `fetchSockets()` to list).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tsxExecArgv } from "../tsx-exec-argv.js";

export interface ClusterExtra {
  readonly name: string;
  readonly title: string;
  /** The script, relative to `bench/`. */
  readonly script: string;
  /** Its arguments: the full size, or a smoke-test size with `--quick`. */
  args(quick: boolean): string[];
}

export const CLUSTER_EXTRAS: readonly ClusterExtra[] = [
  {
    name: "recovery",
    title: "Connection state recovery through Redis (`bench/recovery-cost.ts`)",
    script: "recovery-cost.ts",
    args: (quick) => (quick ? ["2000", "1"] : ["10000", "5"]),
  },
  {
    name: "presence",
    title: "Presence under churn, 3 nodes + Redis (`bench/presence-churn.ts`)",
    script: "presence-churn.ts",
    args: (quick) => (quick ? ["--seconds", "3", "--lists", "10"] : []),
  },
];

/** Runs one extra to its end and returns what it printed; rejects when it fails or passes `timeoutMs`. */
export function runExtra(extra: ClusterExtra, quick: boolean, timeoutMs: number): Promise<string> {
  const script = fileURLToPath(new URL(`../${extra.script}`, import.meta.url));
  const child = spawn(process.execPath, [...tsxExecArgv("BENCH_NODE_FLAGS"), script, ...extra.args(quick)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`${extra.name}: no end after ${timeoutMs / 1000} s (stopped)`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output.trim());
      else reject(new Error(`${extra.name}: exited with ${signal ?? code}\n${output}`));
    });
  });
}
