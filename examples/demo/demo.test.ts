/**
 * The demo (`npm start`, examples/demo/server.ts) in Debian chromium: pages of different users chatting
 * with delivery acks, a typing indicator, direct messages to every tab of a user, a file shared and
 * checked byte for byte on the other page, the server figures panel, /metrics, and no console error on
 * any page (favicon included). Each test writes a screenshot under .tmp/test-artifacts/demo/.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromiumSkip } from "../../test-support/chromium.js";
import { parsePrometheusText, seriesValue } from "../../test-support/prometheus-text.js";
import {
  DemoBrowser,
  type DemoProcess,
  logTexts,
  screenshot,
  send,
  startDemo,
  waitForText,
} from "./demo-harness.js";

const APP_FILES = readdirSync(new URL("./public/app/", import.meta.url));

describe("demo", { skip: chromiumSkip, timeout: 120_000 }, () => {
  let demo: DemoProcess;
  let browser: DemoBrowser;

  before(async () => {
    demo = await startDemo("server.ts");
    browser = await DemoBrowser.launch();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("three pages chat in a room, each message acknowledged and shown once on the others", async () => {
    const [ann, bob, cid] = [
      await browser.open(demo.url, "ann", "random"),
      await browser.open(demo.url, "bob", "random"),
      await browser.open(demo.url, "cid", "random"),
    ];
    await send(ann, "hello from ann");
    await send(bob, "hi ann, bob here");
    await send(cid, "cid joins in");
    for (const page of [ann, bob, cid]) {
      await waitForText(page, "#log", "cid joins in");
      await waitForText(page, "#log", "hi ann, bob here");
      assert.deepEqual(await logTexts(page), ["hello from ann", "hi ann, bob here", "cid joins in"]);
    }
    // The other pages show who sent it; the sender shows its acknowledgement.
    const line = bob.locator("#log .line", { hasText: "hello from ann" });
    assert.equal(await line.locator(".who").textContent(), "ann");
    assert.match(
      (await ann.locator("#log .line", { hasText: "hello from ann" }).textContent()) ?? "",
      /✓ delivered/,
    );
    await screenshot(bob, "three-pages-chat");
    await Promise.all([ann.close(), bob.close(), cid.close()]);
  });

  it("shows who is typing to the others in the room, and stops when the message is sent", async () => {
    const dan = await browser.open(demo.url, "dan", "help");
    const eve = await browser.open(demo.url, "eve", "help");
    await dan.locator("#text").pressSequentially("a long sen");
    await waitForText(eve, "#typing", "dan is typing…");
    assert.equal(await dan.textContent("#typing"), "");
    await screenshot(eve, "typing-indicator");
    await dan.press("#text", "Enter");
    await eve.waitForFunction(() => document.getElementById("typing")?.textContent === "");
    await Promise.all([dan.close(), eve.close()]);
  });

  it("lists the room's members live: two tabs of one user count once", async () => {
    const oz = await browser.open(demo.url, "oz", "members");
    const nia1 = await browser.open(demo.url, "nia", "members");
    const nia2 = await browser.open(demo.url, "nia", "members");
    const members = (page: typeof oz) =>
      page.$$eval("#members li", (items) => items.map((li) => li.textContent));
    await waitForText(oz, "#members", "2 tabs");
    assert.deepEqual(await members(oz), ["nia · 2 tabs", "oz (you)"]);
    assert.equal(await oz.textContent("#member-count"), "(2)");
    assert.deepEqual(await members(nia2), ["nia (you) · 2 tabs", "oz"]);
    await screenshot(oz, "members-two-tabs");

    await nia1.close();
    await oz.waitForFunction(
      () => document.querySelector('#members li[data-name="nia"]')?.textContent === "nia",
    );
    // Another room: its own list (nia2 leaves "members", which oz sees).
    await nia2.click('#rooms li[data-room="random"]');
    await oz.waitForFunction(() => document.querySelector('#members li[data-name="nia"]') === null);
    assert.equal(await oz.textContent("#member-count"), "(1)");
    await Promise.all([oz.close(), nia2.close()]);
  });

  it("delivers a direct message, picked in the member list, to every tab of its user and no one else", async () => {
    const fay = await browser.open(demo.url, "fay", "dms");
    const gus1 = await browser.open(demo.url, "gus", "dms");
    const gus2 = await browser.open(demo.url, "gus", "random"); // another room: direct messages reach it too
    const hal = await browser.open(demo.url, "hal", "dms");
    await fay.click('#members li[data-name="gus"]');
    await waitForText(fay, "#target", "@ gus");
    await send(fay, "psst, gus");
    for (const gus of [gus1, gus2]) {
      await waitForText(gus, "#log", "psst, gus");
      assert.equal(await gus.locator("#log .line.dm .who").textContent(), "fay → you");
    }
    await send(hal, "anyone?");
    await waitForText(fay, "#log", "anyone?");
    assert.ok(!(await hal.textContent("#log"))?.includes("psst"));
    await screenshot(gus1, "direct-message");
    // Back to the room.
    await fay.click("#target");
    await waitForText(fay, "#target", "# dms");
    await Promise.all([fay.close(), gus1.close(), gus2.close(), hal.close()]);
  });

  it("shares a file as binary with progress: the other page gets it byte for byte", async () => {
    const ida = await browser.open(demo.url, "ida");
    const jon = await browser.open(demo.url, "jon");
    const bytes = randomBytes(700_000); // six chunks, the last one short
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await ida.setInputFiles("#file", {
      name: "noise.bin",
      mimeType: "application/octet-stream",
      buffer: bytes,
    });
    await waitForText(jon, "#log", "noise.bin (683.6 KiB)");
    const received = await jon.$eval("#log a.download", async (a) => {
      const data = await (await fetch((a as HTMLAnchorElement).href)).arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      return {
        size: data.byteLength,
        sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
      };
    });
    assert.deepEqual(received, { size: bytes.length, sha256 });
    // The sender's progress bar is gone and its own copy is in its log.
    await waitForText(ida, "#log", "noise.bin");
    assert.equal(await ida.locator("#uploads progress").count(), 0);

    // An image is shown inline.
    const png = await ida.screenshot({ clip: { x: 0, y: 0, width: 4, height: 3 } }); // a real 4×3 PNG
    await ida.setInputFiles("#file", { name: "dot.png", mimeType: "image/png", buffer: png });
    await jon.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#log img[alt="dot.png"]');
      return img?.complete === true && img.naturalWidth === 4;
    });
    await screenshot(jon, "file-shared");
    await Promise.all([ida.close(), jon.close()]);
  });

  it("refuses a file above 5 MiB with a clear error on the page", async () => {
    const kim = await browser.open(demo.url, "kim");
    await kim.setInputFiles("#file", {
      name: "big.bin",
      mimeType: "application/octet-stream",
      buffer: Buffer.alloc(5 * 1024 * 1024 + 1),
    });
    await waitForText(kim, "#uploads", "big.bin not shared: ERR_FILE_TOO_LARGE");
    await kim.close();
  });

  it("shows the server's own figures from its metrics, and serves them on /metrics", async () => {
    const lea = await browser.open(demo.url, "lea");
    const mo = await browser.open(demo.url, "mo");
    await lea.waitForFunction(() => {
      const value = document.querySelector('#figures .node[data-node="demo"] dd[data-figure="connections"]');
      return Number(value?.textContent) >= 2;
    });
    await send(mo, "counted");
    await lea.waitForFunction(
      () => Number(document.querySelector('dd[data-figure="messages in / s"]')?.textContent) > 0,
    );
    await screenshot(lea, "server-figures");

    const res = await fetch(`${demo.url}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const families = parsePrometheusText(await res.text());
    const connected =
      seriesValue(families, "plexus_connected_sockets", { namespace: "/", transport: "polling" }) +
      seriesValue(families, "plexus_connected_sockets", { namespace: "/", transport: "websocket" });
    assert.ok(connected >= 2);
    assert.ok(seriesValue(families, "plexus_packets_received_total") >= 2);
    await Promise.all([lea.close(), mo.close()]);
  });

  it("counts simulated users (bots.ts) in the panel, with their heap per connection", async () => {
    const bots = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", new URL("./bots.ts", import.meta.url).pathname, demo.url],
      { env: { ...process.env, BOTS: "30", BOT_INTERVAL: "1000" }, stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        bots.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("30 bots in #bots")) resolve();
        });
        bots.once("exit", (code) => reject(new Error(`bots.ts exited with ${code}: ${out}`)));
      });
      const page = await browser.open(demo.url, "watcher", "bots");
      await page.waitForFunction(
        () => Number(document.querySelector("#member-count")?.textContent?.slice(1, -1)) === 31,
      );
      // (No named function inside a page function: tsx would wrap it in a helper the page does not have.)
      await page.waitForFunction(() => {
        const [connections, , , , perConnection] = [...document.querySelectorAll("#figures dd")].map(
          (dd) => dd.textContent ?? "",
        );
        return Number(connections) >= 31 && perConnection?.startsWith("≈") === true;
      });
      await waitForText(page, "#log", "bot-");
      await screenshot(page, "bots");
      await page.close();
    } finally {
      const exited = once(bots, "exit");
      bots.kill("SIGINT");
      await exited;
    }
  });

  it("asks a name on the first visit (or for a bad one), and remembers it for the next tabs", async () => {
    const page = await browser.session.context.newPage();
    await page.goto(`${demo.url}/?name=${"x".repeat(25)}`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(demo.url);
    await page.waitForSelector("#name-dialog[open]");
    await page.fill("#name-input", "  zed  ");
    await page.press("#name-input", "Enter");
    await waitForText(page, "#status", "connected");
    assert.equal(await page.textContent("#me"), "You are zed");
    const second = await browser.session.context.newPage();
    await second.goto(demo.url);
    await waitForText(second, "#status", "connected");
    assert.equal(await second.textContent("#me"), "You are zed");
    await Promise.all([page.close(), second.close()]);
  });

  it("serves its page, styles, scripts, icon and the client bundle itself (works offline), no console error", async () => {
    for (const [path, type] of [
      ["/", "text/html; charset=utf-8"],
      ["/style.css", "text/css; charset=utf-8"],
      ["/app/main.js", "text/javascript; charset=utf-8"],
      ["/favicon.ico", "image/svg+xml"],
      ["/favicon.svg", "image/svg+xml"],
    ] as const) {
      const res = await fetch(`${demo.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("content-type"), type, path);
    }
    assert.equal((await fetch(`${demo.url}/socket.io/socket.io.js`)).status, 200);
    assert.equal((await fetch(`${demo.url}/../server.ts`)).status, 404);
    for (const path of ["/", "/style.css", ...APP_FILES.map((f) => `/app/${f}`)]) {
      const text = await fetch(`${demo.url}${path}`).then((r) => r.text());
      assert.doesNotMatch(text, /https?:\/\/|\/\/cdn|@import/, `${path}: nothing from another origin`);
    }
    assert.deepEqual(browser.errors, []);
  });
});
