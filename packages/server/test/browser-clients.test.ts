/**
 * Browser clients in a real Chromium against our server: the official `socket.io-client` bundle, and the
 * Plexus bundle loaded from `<path>/socket.io.min.js` as served by the server itself; and both msgpack
 * bundles (`socket.io.msgpack.min.js`) against a server created with `parser: msgpackParser`. Each connects over
 * polling, upgrades to WebSocket, does an ack round trip with binary both ways, gets a broadcast, leaves.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { msgpackParser, Server } from "@plexus/server";
import { chromium } from "playwright-core";
import { launchChromium } from "../../../test-support/chromium.js";

const require = createRequire(import.meta.url);
const entry = require.resolve("socket.io-client");
const officialDist = join(
  entry.slice(0, entry.lastIndexOf("socket.io-client") + "socket.io-client".length),
  "dist",
);
const officialBundles: Record<string, Buffer> = {
  "/official.js": readFileSync(join(officialDist, "socket.io.min.js")),
  "/official-msgpack.js": readFileSync(join(officialDist, "socket.io.msgpack.min.js")),
};

const page = (src: string): string => `<!doctype html><script src="${src}"></script><script>
window.run = () => new Promise((resolve, reject) => {
  const socket = io({ auth: { from: "browser" } });
  socket.on("connect_error", (e) => reject(e.message));
  socket.on("connect", async () => {
    try {
      const echoed = await socket.emitWithAck("echo", { n: 1, bin: new Uint8Array([1, 2, 3]).buffer });
      const news = new Promise((r) => socket.once("news", r));
      socket.emit("broadcast-me");
      const got = await news;
      await new Promise((r) => (socket.io.engine.transport.name === "websocket" ? r() : socket.io.engine.once("upgrade", r)));
      resolve({ n: echoed.n, bin: Array.from(new Uint8Array(echoed.bin)), got, transport: socket.io.engine.transport.name, id: socket.id });
      socket.disconnect();
    } catch (e) { reject(String(e)); }
  });
});
</script>`;

for (const [name, script, msgpack] of [
  ["official browser client (socket.io-client bundle)", "/official.js", false],
  ["Plexus browser client, bundle served by the server itself", "/socket.io/socket.io.min.js", false],
  ["official msgpack bundle against a msgpack server", "/official-msgpack.js", true],
  ["Plexus msgpack bundle served by the server itself", "/socket.io/socket.io.msgpack.min.js", true],
] as const)
  test(`${name} in Chromium`, { timeout: 60_000 }, async () => {
    const http = createServer((req, res) => {
      const bundle = officialBundles[req.url ?? ""];
      if (bundle !== undefined) {
        res.writeHead(200, { "content-type": "application/javascript" });
        res.end(bundle);
      } else {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(page(script));
      }
    });
    const io = new Server(http, msgpack ? { parser: msgpackParser } : {});
    let gotReason: (r: string) => void = () => {};
    const reason = new Promise<string>((resolve) => {
      gotReason = resolve;
    });
    io.on("connection", (socket) => {
      assert.deepEqual(socket.handshake.auth, { from: "browser" });
      // An ArrayBuffer from a browser arrives as a Buffer, or as an ArrayBuffer through msgpack (ext type 0).
      socket.on("echo", (v: { n: number; bin: Buffer | ArrayBuffer }, ack: (x: unknown) => void) =>
        ack({ n: v.n + 1, bin: Buffer.from([...Buffer.from(v.bin as ArrayBuffer)].reverse()) }),
      );
      socket.on("broadcast-me", () => io.emit("news", "hello browser"));
      socket.on("disconnect", (r) => gotReason(r));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    const port = (http.address() as AddressInfo).port;
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${port}/`);
      const result = (await tab.evaluate("window.run()")) as Record<string, unknown>;
      assert.equal(result.n, 2);
      assert.deepEqual(result.bin, [3, 2, 1]);
      assert.equal(result.got, "hello browser");
      assert.equal(result.transport, "websocket");
      assert.match(result.id as string, /^[A-Za-z0-9_-]{20}$/);
      assert.equal(await reason, "client namespace disconnect");
    } finally {
      await browser.close();
      await io.close();
    }
  });

test("a polling-only browser client: its polls and POSTs are read on owned connections", {
  timeout: 60_000,
}, async () => {
  const http = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><script src="/socket.io/socket.io.min.js"></script><script>
window.run = () => new Promise((resolve, reject) => {
  const socket = io({ transports: ["polling"] });
  socket.on("connect_error", (e) => reject(e.message));
  socket.on("connect", async () => {
    const out = [];
    for (let i = 0; i < 20; i++) out.push(await socket.emitWithAck("echo", i));
    resolve(out);
    socket.disconnect();
  });
});
</script>`);
  });
  const io = new Server(http);
  io.on("connection", (socket) => socket.on("echo", (v: number, ack: (x: number) => void) => ack(v * 2)));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const session = await launchChromium("plexus-owned-polling-");
  try {
    const tab = await session.context.newPage();
    await tab.goto(`http://127.0.0.1:${port}/`);
    const result = (await tab.evaluate("window.run()")) as number[];
    assert.deepEqual(
      result,
      [...Array(20).keys()].map((i) => i * 2),
    );
    // 20 round trips are 40+ requests: most reuse the browser's two keep-alive connections, owned by now.
    assert.ok(
      io.engine._ownedRequests >= 10,
      `requests read on owned connections: ${io.engine._ownedRequests}`,
    );
  } finally {
    await session.close();
    await io.close();
  }
});
