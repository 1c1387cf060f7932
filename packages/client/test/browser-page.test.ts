/**
 * Browser behaviour tied to the page (Chromium through playwright-core, against every server): `withCredentials`
 * sends the cookies of a cross-origin Socket.IO server (which answers with CORS `credentials: true`), and
 * `closeOnBeforeunload` closes the connection when the page goes away: the client sends the close packet (over
 * polling in a keepalive fetch, which the unload does not cancel), so the server learns it at once.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { type ChromiumSession, chromiumSkip, launchChromium } from "../../../test-support/chromium.js";
import { deferredByKey } from "./deferred.js";
import { callHarness as call, openHarnessPage } from "./harness-page.js";
import { type ScenarioServer, serverFactories, startServer } from "./servers.js";

const pkg = new URL("..", import.meta.url).pathname;

/** A page server on `http://localhost:<port>`, another origin than the Socket.IO server's. */
async function pageServer(t: TestContext): Promise<string> {
  if (!existsSync(join(pkg, "dist/socket.io.js")))
    execFileSync(process.execPath, [join(pkg, "scripts/bundle.mjs")], { stdio: "inherit" });
  const files: Record<string, Buffer | string> = {
    "/": '<!doctype html><meta charset="utf-8"><script src="/socket.io.js"></script><script src="/harness.js"></script>',
    "/socket.io.js": readFileSync(join(pkg, "dist/socket.io.js")),
    "/harness.js": readFileSync(join(pkg, "test/fixtures/harness.js")),
  };
  const http = createServer((req, res) => {
    const body = files[req.url ?? "/"];
    if (body === undefined) return void res.writeHead(404).end();
    const type = req.url === "/" ? "text/html; charset=utf-8" : "application/javascript";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  t.after(() => {
    http.closeAllConnections();
    http.close();
  });
  return `http://localhost:${(http.address() as AddressInfo).port}`;
}

for (const factory of serverFactories) {
  describe(`browser page lifecycle against ${factory.name}`, {
    skip: chromiumSkip,
    timeout: 120_000,
  }, () => {
    let browser: ChromiumSession;
    let context: BrowserContext;

    before(async () => {
      browser = await launchChromium("plexus-chromium-");
      context = browser.context;
    });
    after(async () => {
      await browser?.close();
    });

    const open = (t: TestContext, url: string): Promise<Page> => openHarnessPage(context, t, url);

    /** A server whose sockets report their disconnect reason by `auth.name`, and ack `cookie` with the Cookie header. */
    async function socketServer(t: TestContext, pageOrigin: string) {
      const entry = deferredByKey<string>();
      const reasonOf = (name: string) => entry(name).promise;
      // A POST for the session of `auth.name` after it ended, answered "Session ID unknown": over polling, the
      // close POST that came after the browser's abort of the held GET. (A close POST in time is taken by the
      // polling transport and ends the session with "transport close".)
      const latePostEntry = deferredByKey();
      const latePostOf = (name: string) => latePostEntry(name).promise;
      const names = new Map<string, string>();
      const setup = (srv: ScenarioServer) => {
        srv.engine.on(
          "connection_error",
          (e: { req: { method?: string; _query?: { sid?: string } }; code: number }) => {
            const name = names.get(e.req._query?.sid ?? "");
            if (name !== undefined && e.code === 1 && e.req.method === "POST") latePostEntry(name).resolve();
          },
        );
        srv.on("connection", (socket) => {
          const name = String(socket.handshake.auth.name);
          // (engine.io's typings mark the session id private; it is public at runtime in both servers.)
          names.set((socket.conn as unknown as { id: string }).id, name);
          socket.on("cookie", (ack: (v: unknown) => void) => ack(socket.handshake.headers.cookie ?? null));
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
          socket.on("disconnect", (reason) => entry(name).resolve(reason));
        });
      };
      const s = await startServer(factory, setup, { cors: { origin: pageOrigin, credentials: true } });
      t.after(() => s.close());
      return { url: `http://localhost:${s.port}/`, reasonOf, latePostOf };
    }

    it("withCredentials sends the cookies of a cross-origin server; without it none are sent", async (t) => {
      const pageOrigin = await pageServer(t);
      const s = await socketServer(t, pageOrigin);
      await context.addCookies([{ name: "session", value: "abc", domain: "localhost", path: "/" }]);
      t.after(() => context.clearCookies());
      const page = await open(t, `${pageOrigin}/`);
      for (const transports of [["polling"], ["polling", "websocket"]]) {
        await call(page, "connect", "with", s.url, {
          withCredentials: true,
          transports,
          auth: { name: "with" },
        });
        assert.equal(await call(page, "emitWithAck", "with", "cookie"), "session=abc");
      }
      await call(page, "connect", "without", s.url, { transports: ["polling"], auth: { name: "without" } });
      assert.equal(await call(page, "emitWithAck", "without", "cookie"), null);
    });

    it("closeOnBeforeunload closes the connection on beforeunload; other sockets stay", async (t) => {
      const pageOrigin = await pageServer(t);
      const s = await socketServer(t, pageOrigin);
      const page = await open(t, `${pageOrigin}/`);
      for (const transport of ["polling", "websocket"]) {
        const closing = `closing-${transport}`;
        const staying = `staying-${transport}`;
        const opts = { transports: [transport] };
        await call(page, "connect", closing, s.url, {
          ...opts,
          closeOnBeforeunload: true,
          auth: { name: closing },
        });
        await call(page, "connect", staying, s.url, { ...opts, auth: { name: staying } });
        // Records the close POSTs (body `1`): each must be a keepalive fetch, which a page unload does not cancel.
        await page.evaluate(`(() => {
          const f = window.fetch;
          window.closePosts = [];
          window.fetch = (url, init) => {
            if (init && init.method === "POST" && init.body === "1") window.closePosts.push(init.keepalive === true);
            return f(url, init);
          };
        })()`);
        await page.evaluate("dispatchEvent(new Event('beforeunload'))");
        assert.equal(await s.reasonOf(closing), "transport close");
        assert.deepEqual(await page.evaluate("window.closePosts"), transport === "polling" ? [true] : []);
        assert.equal(await call(page, "emitWithAck", staying, "echo", 1), 1);
        await call(page, "disconnect", staying);
      }
    });

    // Over WebSocket the client's close frame gives "transport close" (so does a reset of the TCP connection,
    // should the unload tear it down first: engine.io's behaviour, and Plexus's since). Over polling the
    // close POST races the browser's abort of the held GET, which the unload cancels: when the abort arrives
    // first, the server (socket.io's too) ends the session with "transport error" ("poll connection closed
    // prematurely") and the close POST that follows finds the session gone. Either way the close packet is sent,
    // survives the unload and reaches the server; which of the two comes first is not the page's to decide.
    it("a page navigation sends the close packet of a closeOnBeforeunload connection", async (t) => {
      const pageOrigin = await pageServer(t);
      const s = await socketServer(t, pageOrigin);
      for (const transports of [["websocket"], ["polling"]]) {
        const name = `nav-${transports[0]}`;
        const page = await open(t, `${pageOrigin}/`);
        await call(page, "connect", name, s.url, { transports, closeOnBeforeunload: true, auth: { name } });
        await page.goto("about:blank");
        const reason = await s.reasonOf(name);
        if (transports[0] === "websocket" || reason === "transport close") {
          assert.equal(reason, "transport close", `${name}: server-side disconnect reason`);
        } else {
          assert.equal(reason, "transport error", `${name}: the held GET's abort came first`);
          await s.latePostOf(name);
        }
      }
    });
  });
}
