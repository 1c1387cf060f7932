/**
 * Test harness of the demo's browser tests: starts `server.ts` (or `cluster.ts`) as a child process on a
 * free port, opens pages in Debian chromium as a given user, records every page error and console error,
 * and writes screenshots under `.tmp/test-artifacts/demo/` (git-ignored) as the tests' artifacts.
 * Test code only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { type ChromiumSession, launchChromium } from "../../test-support/chromium.js";

const ARTIFACTS = new URL("../../.tmp/test-artifacts/demo/", import.meta.url).pathname;

export interface DemoProcess {
  readonly url: string;
  readonly port: number;
  /** cluster.ts: each node's own address (behind the proxy), by node id. */
  readonly nodes: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts `file` (server.ts or cluster.ts) with `PORT` (0: a free one) and waits for its "on http://…" line. */
export async function startDemo(file: "server.ts" | "cluster.ts", port = 0): Promise<DemoProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", new URL(`./${file}`, import.meta.url).pathname],
    { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const nodes: Record<string, string> = {};
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (const [, id, port] of out.matchAll(/demo node (\w+) listening on port (\d+)/g))
        nodes[id as string] = `http://localhost:${port}`;
      const match = /on (http:\/\/localhost:\d+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`demo ${file} exited with ${code}: ${out}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    nodes,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export class DemoBrowser {
  /** Page errors and console errors of every page, as `user: message`. */
  readonly errors: string[] = [];

  private constructor(readonly session: ChromiumSession) {}

  static async launch(): Promise<DemoBrowser> {
    return new DemoBrowser(await launchChromium("plexus-demo-", ["--disable-quic"]));
  }

  /** A new tab of `user` on the demo at `url`, connected and in its room. */
  async open(url: string, user: string, room = "lobby"): Promise<Page> {
    const page = await this.session.context.newPage();
    await page.setViewportSize({ width: 1100, height: 640 });
    page.on("pageerror", (err) => this.errors.push(`${user}: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") this.errors.push(`${user}: ${msg.text()}`);
    });
    await page.goto(`${url}/?name=${encodeURIComponent(user)}&room=${room}`);
    await waitForText(page, "#status", "connected");
    await page.waitForSelector(`#rooms li.current[data-room="${room}"]`);
    return page;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** Sends `text` from the page's composer and waits for its delivery acknowledgement. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll("#log .line")].some(
        (l) => l.querySelector(".text")?.textContent === t && l.querySelector(".ack.ok") !== null,
      ),
    text,
  );
}

/** Waits until the text of `selector` includes `text`. */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([s, t]) => document.querySelector(s as string)?.textContent?.includes(t as string) === true,
    [selector, text],
  );
}

/** The texts of the chat lines of the page's log, in order. */
export function logTexts(page: Page): Promise<string[]> {
  return page.$$eval("#log .line .text", (nodes) => nodes.map((n) => n.textContent ?? ""));
}

/** Writes `name`.png (the test's artifact) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  await page.screenshot({ path });
  return path;
}

/**
 * The "Offline" switch of devtools for one page (the same network emulation, through CDP): `set(true)`
 * cuts the page's network, `set(false)` restores it. One CDP session: an emulation belongs to its session.
 */
export async function offlineSwitch(page: Page): Promise<(offline: boolean) => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  return async (offline) => {
    await cdp.send("Network.emulateNetworkConditions", {
      offline,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
  };
}
