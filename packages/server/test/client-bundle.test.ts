/**
 * Serving the browser client: the files, ETag/304, gzip/br by Accept-Encoding, CORS, 404 when a file
 * is not built, and `serveClient: false`.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
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

test("gzip and br by Accept-Encoding", async () => {
  const { http, port } = await bundleServer();
  for (const [accept, expected] of [
    ["gzip", "gzip"],
    ["gzip, deflate, br", "br"],
    ["br;q=0.1, gzip", "gzip"],
  ] as const) {
    const res = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = getRaw(port, "/socket.io.js", { "accept-encoding": accept }, resolve);
      req.on("error", reject);
    });
    assert.equal(res.encoding, expected, accept);
    const decoded = expected === "br" ? brotliDecompressSync(res.body) : gunzipSync(res.body);
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
  // 200 when @plexus/client is built, 404 otherwise: never an engine answer.
  assert.ok(res.status === 200 || res.status === 404, String(res.status));
  assert.ok(!res.body.includes('"code"'));
  await using off = await startServer({ serveClient: false });
  const res2 = await httpRequest(off.port, "/socket.io/socket.io.js");
  assert.equal(res2.status, 400);
  assert.match(res2.body, /"code":/);
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
