/**
 * The browser client in a real browser (Debian chromium driven by playwright-core): a page loads the IIFE
 * bundle, connects, acks, joins rooms, uploads a 1 MB File, reconnects after a server restart, and falls back
 * to polling when WebSocket is refused. Runs against every server in `serverFactories`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { type ChromiumSession, chromiumSkip, launchChromium } from "../../../test-support/chromium.js";
import { deferred } from "./deferred.js";
import { callHarness as call, openHarnessPage } from "./harness-page.js";
import {
  type ScenarioOptions,
  type ScenarioServer,
  type ServerFactory,
  serverFactories,
  startServer,
} from "./servers.js";

const pkg = new URL("..", import.meta.url).pathname;
const harness = readFileSync(join(pkg, "test/fixtures/harness.js"));

const BUNDLES = ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"] as const;

function ensureBundles(): Map<string, Buffer> {
  if (BUNDLES.some((name) => !existsSync(join(pkg, "dist", name)))) {
    execFileSync(process.execPath, [join(pkg, "scripts/bundle.mjs")], { stdio: "inherit" });
  }
  return new Map(BUNDLES.map((name) => [`/static/${name}`, readFileSync(join(pkg, "dist", name))]));
}

/**
 * Serves the pages, the harness and (for servers that do not serve it themselves) our bundles: `/` loads the
 * unminified IIFE, `/min` the minified one, `/esm` imports the ESM bundle.
 */
function staticFiles(factory: ServerFactory, bundles: Map<string, Buffer>) {
  const dir = factory.servesBundle ? "/socket.io/" : "/static/";
  const head = '<!doctype html><meta charset="utf-8"><title>plexus test</title>';
  const harnessTag = '<script src="/static/harness.js"></script>';
  const pages: Record<string, string> = {
    "/": `${head}<script src="${dir}socket.io.js"></script>${harnessTag}`,
    "/min": `${head}<script src="${dir}socket.io.min.js"></script>${harnessTag}`,
    "/esm": `${head}${harnessTag}<script type="module">import { io } from "${dir}socket.io.esm.min.js"; window.io = io;</script>`,
  };
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? "/";
    const page = pages[url];
    const body = page ?? (url === "/static/harness.js" ? harness : bundles.get(url));
    if (body === undefined) return false;
    const type = page !== undefined ? "text/html; charset=utf-8" : "application/javascript";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
    return true;
  };
}

for (const factory of serverFactories) {
  describe(`browser client against ${factory.name}`, {
    skip: chromiumSkip,
    timeout: 180_000,
  }, () => {
    let browser: ChromiumSession;
    let context: BrowserContext;
    let bundles: Map<string, Buffer>;

    before(async () => {
      bundles = ensureBundles();
      browser = await launchChromium("plexus-chromium-", [
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
      ]);
      context = browser.context;
    });

    after(async () => {
      await browser?.close();
    });

    async function server(t: TestContext, setup: (io: ScenarioServer) => void, opts: ScenarioOptions = {}) {
      const s = await startServer(factory, setup, { ...opts, onRequest: staticFiles(factory, bundles) });
      t.after(() => s.close());
      return s;
    }

    const open = (t: TestContext, url: string): Promise<Page> => openHarnessPage(context, t, url);

    it("connects, emits with ack and receives broadcasts to its room only", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) => {
          socket.on("join", (room: string, ack: (r: string) => void) => {
            socket.join(room);
            ack(`joined ${room}`);
          });
          socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
        });
      });
      const red = await open(t, s.url);
      const blue = await open(t, s.url);
      const a = await call<{ id: string }>(red, "connect", "a", "/", {});
      await call(blue, "connect", "b", "/", {});
      assert.equal(typeof a.id, "string");
      assert.deepEqual(await call(red, "emitWithAck", "a", "echo", { hello: ["world", 1] }), {
        hello: ["world", 1],
      });
      assert.equal(await call(red, "emitWithAck", "a", "join", "red"), "joined red");
      assert.equal(await call(blue, "emitWithAck", "b", "join", "blue"), "joined blue");

      await call(red, "expect", "a", "news");
      await call(blue, "expect", "b", "marker");
      s.io.to("red").emit("news", "for red");
      s.io.to("blue").emit("marker", "for blue");
      assert.deepEqual(await call(red, "waited", "a:news"), ["for red"]);
      assert.deepEqual(await call(blue, "waited", "b:marker"), ["for blue"]);
      // Per-connection order: had "news" reached blue, it would sit before the marker in blue's log.
      assert.deepEqual(await call(blue, "log", "b"), [["marker", "for blue"]]);
    });

    for (const variant of ["/min", "/esm"]) {
      it(`works from the ${variant.slice(1)} bundle`, async (t) => {
        const s = await server(t, (srv) => {
          srv.on("connection", (socket) =>
            socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
          );
        });
        const page = await open(t, s.url + variant);
        assert.equal(await page.evaluate("typeof io"), "function");
        await call(page, "connect", "a", "/", {});
        assert.deepEqual(await call(page, "emitWithAck", "a", "echo", [1, "two"]), [1, "two"]);
      });
    }

    it("uploads a 1 MB File and receives it back byte-identical as an ArrayBuffer", async (t) => {
      let serverSum = -1;
      const s = await server(
        t,
        (srv) => {
          srv.on("connection", (socket) => {
            socket.on("upload", (msg: { name: string; file: Buffer }, ack: (v: unknown) => void) => {
              serverSum = 0;
              for (const byte of msg.file) serverSum = (serverSum + byte) >>> 0;
              ack(msg);
            });
          });
        },
        { maxHttpBufferSize: 5e6 },
      );
      const page = await open(t, s.url);
      await call(page, "connect", "a", "/", {});
      const result = await call<{
        isArrayBuffer: boolean;
        size: number;
        identical: boolean;
        sum: number;
        name: string;
      }>(page, "upload", "a", 1024 * 1024);
      assert.equal(result.size, 1024 * 1024);
      assert.equal(result.identical, true);
      assert.equal(result.isArrayBuffer, true);
      assert.equal(result.name, "upload.bin");
      assert.equal(serverSum, result.sum, "the server received the same bytes");
    });

    it("sends typed arrays, ArrayBuffer, DataView and Blob nested, and receives ArrayBuffers", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) =>
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
        );
      });
      for (const transports of [["polling"], ["websocket"]]) {
        const page = await open(t, s.url);
        await call(page, "connect", "a", "/", { transports });
        const result = await call<Record<string, unknown>>(page, "binaryKinds", "a");
        assert.deepEqual(result, {
          kinds: Array(4).fill("[object ArrayBuffer]"),
          u8: [1, 2, 3],
          f32: 1.5,
          view: [9, 8],
          blob: [4, 5],
        });
      }
    });

    it("uploads a 1 MB File over polling only (base64 records)", async (t) => {
      const s = await server(
        t,
        (srv) => {
          srv.on("connection", (socket) => {
            socket.on("upload", (msg: unknown, ack: (v: unknown) => void) => ack(msg));
          });
        },
        { maxHttpBufferSize: 5e6 },
      );
      const page = await open(t, s.url);
      await call(page, "connect", "a", "/", { transports: ["polling"] });
      const result = await call<{ identical: boolean; size: number }>(page, "upload", "a", 1024 * 1024);
      assert.equal(result.size, 1024 * 1024);
      assert.equal(result.identical, true);
      assert.equal(await call(page, "transport", "a"), "polling");
    });

    it("reconnects after the server restarts", async (t) => {
      const s = await server(t, (srv) => {
        srv.on("connection", (socket) =>
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
        );
      });
      const page = await open(t, s.url);
      const first = await call<{ id: string }>(page, "connect", "a", "/", {});
      await call(page, "expect", "a", "disconnect");
      await call(page, "expectManager", "a", "reconnect");
      await s.stop();
      const [reason] = await call<[string]>(page, "waited", "a:disconnect");
      assert.ok(reason === "transport close" || reason === "transport error", reason);
      await s.start();
      const [attempts] = await call<[number]>(page, "waited", "a:io:reconnect");
      assert.ok(attempts >= 1);
      assert.equal(await call(page, "emitWithAck", "a", "echo", "again"), "again");
      assert.notEqual(await call(page, "id", "a"), first.id);
    });

    it("recovers missed events after a transport drop", async (t) => {
      const gone = deferred();
      const s = await server(
        t,
        (srv) => {
          srv.on("connection", (socket) => {
            socket.join("news");
            socket.on("disconnect", () => gone.resolve());
          });
        },
        { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } },
      );
      const page = await open(t, s.url);
      const { id } = await call<{ id: string }>(page, "connect", "a", "/", { transports: ["websocket"] });
      await call(page, "expect", "a", "first");
      s.io.to("news").emit("first", 1);
      const first = await call<unknown[]>(page, "waited", "a:first");
      assert.equal(first[0], 1);
      assert.equal(typeof first[1], "string", "the recovery offset is passed on as the last argument");
      await call(page, "expect", "a", "connect");
      await call(page, "dropTransport", "a");
      await gone.promise;
      s.io.to("news").emit("missed", 2, new Uint8Array([7]));
      await call(page, "waited", "a:connect");
      assert.equal(await call(page, "recovered", "a"), true);
      assert.equal(await call(page, "id", "a"), id);
      const log = await call<unknown[][]>(page, "log", "a");
      assert.deepEqual(log[0]?.slice(0, 2), ["first", 1]);
      assert.equal(log[1]?.[0], "missed");
      assert.equal(log[1]?.[1], 2);
      assert.equal(log.length, 2);
    });

    it("falls back to polling when WebSocket is refused, and upgrades once it is available again", async (t) => {
      let refused = 0;
      const probed = deferred();
      const control = {
        refuseWebSocket: true,
        onRefused: () => {
          refused++;
          probed.resolve();
        },
      };
      const s = await server(
        t,
        (srv) => {
          srv.on("connection", (socket) =>
            socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
          );
        },
        { control },
      );
      const page = await open(t, s.url);
      await call(page, "connect", "a", "/", {});
      await probed.promise;
      assert.equal(await call(page, "emitWithAck", "a", "echo", "over polling"), "over polling");
      assert.equal(await call(page, "transport", "a"), "polling");
      assert.ok(refused >= 1);

      control.refuseWebSocket = false;
      await call(page, "expectManager", "a", "reconnect");
      await s.restart();
      await call(page, "waited", "a:io:reconnect");
      assert.equal(await call(page, "upgraded", "a"), "websocket");
      assert.equal(await call(page, "emitWithAck", "a", "echo", "over websocket"), "over websocket");
    });
  });
}
