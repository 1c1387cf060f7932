#!/usr/bin/env node
// The one test command of the repository (`npm test`).
// Node 20's test runner neither expands `**` globs nor finds `.ts` files in a folder argument,
// so this script lists every test file explicitly and hands them to `node --test`.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const roots = ["packages", "conformance", "examples", "packaging", "bench"];
const skip = new Set(["node_modules", "dist", ".tmp", "consumers"]);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const filter = process.argv.slice(2);
let files = roots.flatMap((r) => {
  try {
    return collect(join(root, r), []);
  } catch {
    return [];
  }
});
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
files.sort();
if (files.length === 0) {
  console.error("run-tests: no test files found");
  process.exit(1);
}
// The consumer tests pack dist/, the browser tests and the server's bundle route load the client bundles:
// build whatever changed since the last build (a few seconds; nothing when up to date), so a test never
// runs against stale output.
execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-changed"], {
  cwd: root,
  stdio: "inherit",
});

// Said once up front as well as by each browser test (test-support/chromium.ts).
const chromium = process.env.PLEXUS_CHROMIUM ?? "/usr/bin/chromium";
if (process.env.PLEXUS_SKIP_BROWSER_TESTS !== "1" && !existsSync(chromium)) {
  console.error(
    `run-tests: Chromium not found at ${chromium}, the browser tests will fail: install Debian's chromium ` +
      "(`sudo apt-get install chromium`), or set PLEXUS_CHROMIUM to a Chromium or Chrome executable.",
  );
}

const args = [
  "--conditions=source",
  "--import",
  "tsx",
  "--test",
  "--test-force-exit",
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? "2"}`,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
