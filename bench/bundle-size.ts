/**
 * Prints the size of the Plexus browser client next to socket.io-client@4.8's official bundle:
 * minified and minified+gzip (level 9), and the ratio. Run: `node --import tsx bench/bundle-size.ts`.
 * Builds `packages/client/dist/` first when it is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;
const ours = `${root}packages/client/dist/socket.io.min.js`;
if (!existsSync(ours))
  execFileSync(process.execPath, [`${root}packages/client/scripts/bundle.mjs`], { stdio: "inherit" });
const require = createRequire(import.meta.url);
const officialPkg = require.resolve("socket.io-client/package.json");
const official = officialPkg.replace(/package\.json$/, "dist/socket.io.min.js");
const officialVersion = (JSON.parse(readFileSync(officialPkg, "utf8")) as { version: string }).version;

function measure(path: string): { min: number; gzip: number } {
  const bytes = readFileSync(path);
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const a = measure(ours);
const b = measure(official);
const kb = (n: number) => `${(n / 1000).toFixed(2)} kB`;
console.log("bundle                                  min          min+gzip");
console.log(`@plexus/client socket.io.min.js          ${kb(a.min).padEnd(12)} ${kb(a.gzip)}`);
console.log(`socket.io-client@${officialVersion} socket.io.min.js  ${kb(b.min).padEnd(12)} ${kb(b.gzip)}`);
console.log(
  `ratio (plexus / socket.io-client)        ${(a.min / b.min).toFixed(2).padEnd(12)} ${(a.gzip / b.gzip).toFixed(2)}`,
);
