#!/usr/bin/env node
// Every package's `prepack` / `postpack` (so `npm pack` and `npm publish` both go through it), run in the
// package's directory:
//   node ../../scripts/publish-manifest.mjs strip    -> package.json as published, the original kept aside
//   node ../../scripts/publish-manifest.mjs restore  -> the original back
//
// In the repository, each package's `exports` starts with a `source` condition pointing at `src/*.ts`:
// tests, benches, the demo and the type-check run the TypeScript sources directly
// (`node --conditions=source --import tsx`, `customConditions: ["source"]`). Consumers must never resolve
// to `.ts` files (a project of theirs that uses a `source` condition for its own packages would otherwise
// load our sources, which are not even shipped: `files` is `dist` only). So the published manifest has
// no `source` condition, no `src/` entries in `sideEffects`, and no `scripts`.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const SAVED = ".package.json.repo";
const DEV_CONDITION = "source";

/** `exports` without the development condition, at any depth. */
function stripCondition(value) {
  if (typeof value !== "object" || value === null) return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== DEV_CONDITION) out[key] = stripCondition(inner);
  }
  return out;
}

export function publishedManifest(manifest) {
  const published = { ...manifest, exports: stripCondition(manifest.exports) };
  if (Array.isArray(manifest.sideEffects)) {
    published.sideEffects = manifest.sideEffects.filter((path) => !path.startsWith("./src/"));
  }
  delete published.scripts;
  return published;
}

const command = process.argv[2];
if (command === "strip") {
  if (existsSync(SAVED)) throw new Error(`${SAVED} exists: a previous pack did not restore package.json`);
  const text = readFileSync("package.json", "utf8");
  writeFileSync(SAVED, text);
  writeFileSync("package.json", `${JSON.stringify(publishedManifest(JSON.parse(text)), null, 2)}\n`);
} else if (command === "restore") {
  if (existsSync(SAVED)) renameSync(SAVED, "package.json");
} else if (command !== undefined) {
  console.error("usage: publish-manifest.mjs strip|restore");
  process.exit(2);
}
