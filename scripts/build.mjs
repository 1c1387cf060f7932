#!/usr/bin/env node
// Builds every package in dependency order: declarations + ESM with tsc, then the client's browser bundles.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const order = ["protocol", "engine", "adapter", "client", "server", "metrics"];
const tsc = `${root}node_modules/typescript/bin/tsc`;
for (const name of order) {
  const config = `${root}packages/${name}/tsconfig.build.json`;
  if (!existsSync(config)) continue;
  execFileSync(process.execPath, [tsc, "-p", config], { stdio: "inherit", cwd: root });
  const post = `${root}packages/${name}/scripts/bundle.mjs`;
  if (existsSync(post)) execFileSync(process.execPath, [post], { stdio: "inherit", cwd: root });
}
