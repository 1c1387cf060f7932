#!/usr/bin/env node
// Builds every package in dependency order: declarations + ESM with tsc, the CommonJS build
// (scripts/commonjs-build.mjs), then the client's browser bundles.
// `--if-changed` (what `npm test` runs) skips the build when no input changed since the last one: the
// inputs' paths, sizes and modification times are fingerprinted into node_modules/.cache.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildCommonJs } from "./commonjs-build.mjs";

const root = new URL("..", import.meta.url).pathname;
const order = [
  "protocol",
  "engine",
  "adapter",
  "client",
  "server",
  "redis-adapter",
  "cluster-adapter",
  "metrics",
];
const tsc = `${root}node_modules/typescript/bin/tsc`;
const stampFile = join(root, "node_modules/.cache/plexus-build.json");

function fingerprint() {
  const hash = createHash("sha256");
  const add = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return;
    if (stat.isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const name of order) {
    for (const part of ["src", "scripts", "package.json", "tsconfig.build.json"])
      add(join(root, "packages", name, part));
    add(join(root, "packages", name, "dist/cjs/index.js")); // a deleted or cleaned dist rebuilds
  }
  for (const path of ["tsconfig.base.json", "scripts/build.mjs", "scripts/commonjs-build.mjs"])
    add(join(root, path));
  return hash.digest("hex");
}

const ifChanged = process.argv.includes("--if-changed");
const before = ifChanged ? fingerprint() : "";
if (ifChanged && existsSync(stampFile) && readFileSync(stampFile, "utf8") === before) process.exit(0);

for (const name of order) {
  const config = `${root}packages/${name}/tsconfig.build.json`;
  if (!existsSync(config)) continue;
  execFileSync(process.execPath, [tsc, "-p", config], { stdio: "inherit", cwd: root });
  await buildCommonJs(root, name);
  const post = `${root}packages/${name}/scripts/bundle.mjs`;
  if (existsSync(post)) execFileSync(process.execPath, [post], { stdio: "inherit", cwd: root });
}
mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
writeFileSync(stampFile, fingerprint());
