/**
 * The packages as their users get them. Every workspace is packed once with `npm pack` (which runs the
 * prepack step that writes the published manifest) from a copy of the packages (`package.json`, README,
 * `dist/`, and the prepack script), so that the repository's own manifests never change under the tests
 * running next to this one; the tarballs are unpacked into a temporary project's
 * `node_modules/@plexus/*` as `npm install <tarball>` lays them out, and the applications of
 * `packaging/consumers/` use them through Node's and TypeScript's own resolution: CommonJS and ESM
 * JavaScript run by Node, TypeScript projects (`commonjs`/node10, `node16`, `nodenext`, `bundler`) compiled
 * by typescript@5.9 (the `typescript-5` alias; the repository itself builds with TypeScript 7).
 * Needs the built packages: `npm test` builds them first.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const PACKAGES = [
  "protocol",
  "engine",
  "adapter",
  "client",
  "server",
  "cluster-adapter",
  "redis-adapter",
  "metrics",
] as const;
const tsc5 = join(root, "node_modules/typescript-5/bin/tsc");

interface Run {
  code: number;
  output: string;
}

/** Runs a command to its end; a generous timeout is only a safety net against a hang. */
function run(file: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function node(args: readonly string[], cwd: string): Promise<string> {
  const result = await run(process.execPath, args, cwd);
  assert.equal(result.code, 0, `node ${args.join(" ")} failed:\n${result.output}`);
  return result.output;
}

/** Compiles a consumer project with TypeScript 5.9; no diagnostic allowed. */
async function compile(project: string, config: string, cwd: string): Promise<void> {
  const result = await run(process.execPath, [tsc5, "-p", join(project, config)], cwd);
  assert.equal(result.code, 0, `tsc 5.9 -p ${project}/${config}:\n${result.output}`);
}

let work = "";
let packs = "";
let consumer = "";

before(async () => {
  work = mkdtempSync(join(tmpdir(), "plexus-consumer-"));
  packs = join(work, "packs");
  consumer = join(work, "app");
  mkdirSync(packs);
  const stage = join(work, "stage");
  for (const name of PACKAGES) {
    for (const part of ["package.json", "README.md", "dist"]) {
      cpSync(join(root, "packages", name, part), join(stage, "packages", name, part), { recursive: true });
    }
  }
  cpSync(join(root, "scripts/publish-manifest.mjs"), join(stage, "scripts/publish-manifest.mjs"));
  const workspaces = PACKAGES.map((name) => `packages/${name}`);
  writeFileSync(join(stage, "package.json"), JSON.stringify({ name: "stage", private: true, workspaces }));
  const packed = await run("npm", ["pack", "--workspaces", "--pack-destination", packs, "--silent"], stage);
  assert.equal(packed.code, 0, `npm pack failed:\n${packed.output}`);
  const scope = join(consumer, "node_modules/@plexus");
  for (const name of PACKAGES) {
    const into = join(scope, name);
    mkdirSync(into, { recursive: true });
    const tar = await run(
      "tar",
      ["-xzf", join(packs, `plexus-${name}-0.1.0.tgz`), "-C", into, "--strip-components=1"],
      root,
    );
    assert.equal(tar.code, 0, tar.output);
  }
  // Third-party dependencies as npm would install them (the repository's copies).
  mkdirSync(join(consumer, "node_modules/@types"), { recursive: true });
  symlinkSync(join(root, "node_modules/ws"), join(consumer, "node_modules/ws"));
  symlinkSync(join(root, "node_modules/debug"), join(consumer, "node_modules/debug"));
  // @plexus/redis-adapter's dependency, and @plexus/metrics' peer (the application installs prom-client).
  symlinkSync(join(root, "node_modules/notepack.io"), join(consumer, "node_modules/notepack.io"));
  symlinkSync(join(root, "node_modules/prom-client"), join(consumer, "node_modules/prom-client"));
  symlinkSync(join(root, "node_modules/@types/debug"), join(consumer, "node_modules/@types/debug"));
  symlinkSync(join(root, "node_modules/@types/node"), join(consumer, "node_modules/@types/node"));
  cpSync(join(root, "packaging/consumers"), consumer, { recursive: true });
});

after(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

function filesOf(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesOf(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

describe("the published packages", () => {
  test("ship dist only: no TypeScript sources, no development condition; engines and ./package.json", () => {
    for (const name of PACKAGES) {
      const dir = join(consumer, "node_modules/@plexus", name);
      const sources = filesOf(dir).filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f));
      assert.deepEqual(sources, [], `@plexus/${name} ships TypeScript sources`);
      const text = readFileSync(join(dir, "package.json"), "utf8");
      assert.doesNotMatch(text, /"source"|\.\/src\//, `@plexus/${name}'s published package.json`);
      const manifest = JSON.parse(text) as {
        engines?: { node?: string };
        exports: Record<string, unknown>;
        scripts?: unknown;
      };
      assert.equal(manifest.engines?.node, ">=20.19");
      assert.equal(manifest.exports["./package.json"], "./package.json");
      assert.equal(manifest.scripts, undefined);
    }
    // The packed manifests are back as they were (postpack).
    const staged = readFileSync(join(work, "stage/packages/server/package.json"), "utf8");
    assert.match(staged, /"source": "\.\/src\/index\.ts"/);
  });

  test("require(): callable modules with their named exports, as socket.io's; the bundle is served", async () => {
    assert.match(await node(["commonjs-js/app.js"], consumer), /^ok$/m);
  });

  test("import: named exports and the client's default export; the bundle is served", async () => {
    assert.match(await node(["esm-js/app.mjs"], consumer), /^ok$/m);
  });

  test("TypeScript 5.9, module commonjs (node10 resolution): compiles, and the output runs", async () => {
    await compile("ts-commonjs", "tsconfig.json", consumer);
    assert.match(await node(["ts-commonjs/out/app.js"], consumer), /^ok$/m);
  });

  test("TypeScript 5.9, module nodenext: a .cts and a .mts file, declarations checked too", async () => {
    await compile("ts-nodenext", "tsconfig.json", consumer);
  });

  test("TypeScript 5.9, module node16 (no require of ES modules): the CommonJS types resolve", async () => {
    await compile("ts-nodenext", "tsconfig.node16.json", consumer);
  });

  test("TypeScript 5.9, moduleResolution bundler", async () => {
    await compile("ts-bundler", "tsconfig.json", consumer);
  });
});
