/**
 * Serving the browser client: the files, ETag/304, br/gzip/deflate by Accept-Encoding, CORS, 404 when a
 * file is not built, `serveClient: false`, and the route when the server runs as CommonJS under a loader hook.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { ClientBundle } from "../src/client-bundle.js";
import { httpRequest, startServer } from "./helpers.js";

const SOURCE = `/* client */ ${"console.log('socket.io');\n".repeat(200)}`;

async function bundleServer(cors?: { origin: string | string[] }) {
  const dir = mkdtempSync(join(tmpdir(), "plexus-bundle-"));
  writeFileSync(join(dir, "socket.io.js"), SOURCE);
  writeFileSync(join(dir, "socket.io.js.map"), '{"version":3}');
  const bundle = new ClientBundle(cors, dir);
  const http = createServer((req, res) => bundle.serve((req.url ?? "/").slice(1), req, res));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return { http, port: (http.address() as AddressInfo).port, bundle };
}

test("serves a client file with content type, ETag, and 304 on If-None-Match", async () => {
  const { http, port } = await bundleServer();
  const res = await httpRequest(port, "/socket.io.js");
  assert.equal(res.status, 200);
  assert.equal(res.body, SOURCE);
  assert.equal(res.headers["content-type"], "application/javascript; charset=utf-8");
  const etag = res.headers.etag as string;
  assert.match(etag, /^"[^"]+"$/);
  const again = await httpRequest(port, "/socket.io.js", "GET", undefined, { "if-none-match": etag });
  assert.equal(again.status, 304);
  assert.equal(again.body, "");
  const weak = await httpRequest(port, "/socket.io.js", "GET", undefined, { "if-none-match": `W/${etag}` });
  assert.equal(weak.status, 304);
  const map = await httpRequest(port, "/socket.io.js.map");
  assert.equal(map.headers["content-type"], "application/json; charset=utf-8");
  http.close();
});

const DECODE = {
  br: brotliDecompressSync,
  gzip: gunzipSync,
  deflate: inflateSync,
  identity: (b: Buffer) => b,
};

// The client's q-values decide; on a tie br, then gzip, then deflate, whatever the order of the names
// (socket.io answers "gzip, br, deflate" with gzip; the choice is explained in client-bundle.ts).
test("br, gzip or deflate by Accept-Encoding: q-values first, then br > gzip > deflate", async () => {
  const { http, port } = await bundleServer();
  for (const [accept, expected] of [
    ["gzip", "gzip"],
    ["gzip, br, deflate", "br"],
    ["gzip, deflate, br, zstd", "br"],
    ["br;q=0.1, gzip", "gzip"],
    ["br;q=0, *", "gzip"],
    ["deflate", "deflate"],
    ["deflate, gzip;q=0.5", "deflate"],
    ["identity", "identity"],
    ["zstd", "identity"],
  ] as const) {
    const res = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = getRaw(port, "/socket.io.js", { "accept-encoding": accept }, resolve);
      req.on("error", reject);
    });
    assert.equal(res.encoding ?? "identity", expected, accept);
    const decoded = DECODE[expected](res.body);
    assert.equal(decoded.toString(), SOURCE);
  }
  http.close();
});

function getRaw(
  port: number,
  path: string,
  headers: Record<string, string>,
  done: (r: { encoding: string | undefined; body: Buffer }) => void,
) {
  const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => done({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
  });
  req.end();
  return req;
}

test("CORS headers when the cors option is set", async () => {
  const { http, port } = await bundleServer({ origin: ["https://app.example"] });
  const res = await httpRequest(port, "/socket.io.js", "GET", undefined, { origin: "https://app.example" });
  assert.equal(res.headers["access-control-allow-origin"], "https://app.example");
  const other = await httpRequest(port, "/socket.io.js", "GET", undefined, {
    origin: "https://evil.example",
  });
  assert.equal(other.headers["access-control-allow-origin"], undefined);
  http.close();
});

test("a file that is not built answers 404", async () => {
  const { http, port } = await bundleServer();
  const res = await httpRequest(port, "/socket.io.min.js");
  assert.equal(res.status, 404);
  http.close();
});

test("the server routes <path>/socket.io.js to the bundle; serveClient:false leaves it to the engine", async () => {
  await using on = await startServer();
  const res = await httpRequest(on.port, "/socket.io/socket.io.js");
  // `npm test` builds the bundles first.
  assert.equal(res.status, 200);
  assert.match(res.body, /\bio\b/);
  await using off = await startServer({ serveClient: false });
  const res2 = await httpRequest(off.port, "/socket.io/socket.io.js");
  assert.equal(res2.status, 400);
  assert.match(res2.body, /"code":/);
});

// tsx's `require` (like jest's transforms) runs the ESM sources as CommonJS, where `import.meta` has no
// `resolve`: the route must still find @plexus/client's files.
test("the bundle is served when @plexus/server is loaded as CommonJS through a loader hook", async () => {
  const script = `
    const { createServer } = require("node:http");
    const { Server } = require("@plexus/server");
    const http = createServer();
    const io = new Server(http);
    http.listen(0, "127.0.0.1", async () => {
      const res = await fetch("http://127.0.0.1:" + http.address().port + "/socket.io/socket.io.min.js");
      const body = await res.text();
      console.log(res.status, body.length > 1000);
      io.close();
    });`;
  const root = new URL("../../..", import.meta.url).pathname;
  const output = await new Promise<string>((resolve, reject) => {
    const args = ["--conditions=source", "--require", "tsx/cjs", "-e", script];
    execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
      err === null ? resolve(stdout) : reject(new Error(`${err.message}\n${stderr}`)),
    );
  });
  assert.equal(output.trim(), "200 true");
});

test("the msgpack bundle and its map are served at <path>/socket.io.msgpack.min.js(.map)", async () => {
  // scripts/run-tests.mjs builds the bundles before any test runs.
  await using s = await startServer();
  const js = await httpRequest(s.port, "/socket.io/socket.io.msgpack.min.js");
  assert.equal(js.status, 200);
  assert.equal(js.headers["content-type"], "application/javascript; charset=utf-8");
  const map = await httpRequest(s.port, "/socket.io/socket.io.msgpack.min.js.map");
  assert.equal(map.status, 200);
  assert.ok(Array.isArray(JSON.parse(map.body).sources));
});
