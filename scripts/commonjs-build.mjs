// The CommonJS build of one package (`dist/cjs/`), run by scripts/build.mjs after tsc has written the ESM
// build (`dist/*.js` + `.d.ts`). `require("@plexus/<name>")` resolves here through the `require` export
// condition (and `main` for tools that predate `exports`); `import` keeps the ESM build.
//
// - `dist/cjs/package.json` says `"type": "commonjs"`, so the files below are CommonJS to Node and to
//   TypeScript (`module: commonjs`/`node16`/`nodenext` consumers get CommonJS-format declarations).
// - `dist/cjs/<entry>.js`: the package's own ESM modules bundled into one CommonJS file by esbuild (from the
//   tsc output, so both builds run the same code). Other packages (`@plexus/*`, `ws`) stay `require`s of
//   their own CommonJS builds: a CommonJS application loads each package once.
// - `dist/cjs/**/*.d.ts`: copies of the ESM declarations (same API, read as CommonJS).
// - Where socket.io's module is callable, so is ours: `require("@plexus/server")(httpServer, opts)` and
//   `require("@plexus/client")(url, opts)`, with every named export on the function, and `default`.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

/**
 * What `module.exports` is, per package: an expression of `api` (the package's exports) giving the callable
 * export, or nothing (the exports object itself).
 */
const CALLABLE = {
  server: "function plexus(srv, opts) { return new api.Server(srv, opts); }",
  client: "api.default",
};

/** Entries per package (the client has a browser build too, for bundlers that `require` it). */
const ENTRIES = { client: ["index", "browser"] };

function copyDeclarations(from, to, skip) {
  for (const name of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, name.name);
    if (path === skip) continue;
    if (name.isDirectory()) copyDeclarations(path, join(to, name.name), skip);
    else if (name.name.endsWith(".d.ts")) {
      mkdirSync(to, { recursive: true });
      copyFileSync(path, join(to, name.name));
    }
  }
}

/** Builds `packages/<name>/dist/cjs` from `packages/<name>/dist`. */
export async function buildCommonJs(root, name) {
  const dist = join(root, "packages", name, "dist");
  const out = join(dist, "cjs");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "package.json"), '{\n  "type": "commonjs"\n}\n');
  copyDeclarations(dist, out, out);
  const callable = CALLABLE[name];
  // esbuild ends the file with the exports object in `module.exports`; the callable takes its place.
  const footer = callable && {
    js:
      `{\n  const api = module.exports;\n  const callable = ${callable};\n` +
      "  module.exports = Object.assign(callable, api, { default: callable });\n}",
  };
  await Promise.all(
    (ENTRIES[name] ?? ["index"]).map((entry) =>
      build({
        entryPoints: [join(dist, `${entry}.js`)],
        bundle: true,
        format: "cjs",
        platform: entry === "browser" ? "browser" : "node",
        target: ["node20", "es2022"],
        packages: "external",
        sourcemap: true,
        ...(footer ? { footer } : {}),
        // client-bundle.ts reads `__filename` first under CommonJS; `import.meta` is never reached there.
        logOverride: { "empty-import-meta": "silent" },
        logLevel: "warning",
        outfile: join(out, `${entry}.js`),
      }),
    ),
  );
}
