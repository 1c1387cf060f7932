/**
 * The demo works end to end: `examples/demo/server.ts` on @plexus/server, driven in Debian chromium — the page
 * connects over the served bundle, receives the clock namespace, chats in a room with an ack, and uploads a file;
 * its Prometheus metrics are served on /metrics.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { type ChromiumSession, chromiumSkip, launchChromium } from "../../test-support/chromium.js";
import { parsePrometheusText, seriesValue } from "../../test-support/prometheus-text.js";

const serverFile = new URL("./server.ts", import.meta.url).pathname;

describe("demo", { skip: chromiumSkip, timeout: 60_000 }, () => {
  let child: ChildProcess;
  let url: string;
  let browser: ChromiumSession;
  let context: BrowserContext;

  before(async () => {
    child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", serverFile], {
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /http:\/\/localhost:\d+/.exec(out);
        if (match) resolve(match[0]);
      });
      child.once("exit", (code) => reject(new Error(`demo exited with ${code}`)));
    });
    browser = await launchChromium("plexus-demo-", ["--disable-quic"]);
    context = browser.context;
  });

  after(async () => {
    await browser?.close();
    if (child.exitCode === null) {
      const exited = once(child, "exit");
      child.kill();
      await exited;
    }
  });

  it("connects, ticks, chats with an ack and uploads a file", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "connected");
    await page.waitForFunction(() =>
      /\d\d:\d\d:\d\d/.test(document.getElementById("clock")?.textContent ?? ""),
    );

    await page.fill("#room", "red");
    await page.click("#join");
    await page.waitForFunction(() => document.getElementById("joined")?.textContent?.includes("red"));
    await page.fill("#text", "hello room");
    await page.click("#chat button");
    await page.waitForFunction(() => document.getElementById("log")?.textContent?.includes("✓ delivered"));
    assert.match((await page.textContent("#log")) ?? "", /\[red\] .*: hello room/);

    await page.setInputFiles("#file", {
      name: "demo.bin",
      mimeType: "application/octet-stream",
      buffer: Buffer.alloc(300_000, 7),
    });
    await page.waitForFunction(() =>
      document.getElementById("upload")?.textContent?.startsWith("server received"),
    );
    assert.match((await page.textContent("#upload")) ?? "", /demo\.bin: 300000 bytes/);
    assert.deepEqual(errors, []);
  });

  it("serves its Prometheus metrics on /metrics, counting the page's connection", async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "connected");
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const families = parsePrometheusText(await res.text());
    const sockets = (namespace: string): number =>
      seriesValue(families, "plexus_connected_sockets", { namespace, transport: "polling" }) +
      seriesValue(families, "plexus_connected_sockets", { namespace, transport: "websocket" });
    assert.ok(sockets("/") >= 1);
    assert.ok(sockets("/clock") >= 1);
    assert.ok(seriesValue(families, "plexus_packets_received_total") >= 2);
    await page.close();
  });
});
