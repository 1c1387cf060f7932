/**
 * `npm run start:cluster` (examples/demo/cluster.ts): the demo on 3 nodes behind the round-robin proxy,
 * joined through its own redis-server. Pages chat across nodes, every node's figures reach every page, and
 * /metrics answers through the proxy. Skipped without redis-server. Screenshot under .tmp/test-artifacts/demo/.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { chromiumSkip } from "../../test-support/chromium.js";
import {
  DemoBrowser,
  type DemoProcess,
  logTexts,
  screenshot,
  send,
  startDemo,
  waitForText,
} from "./demo-harness.js";

const noRedis =
  spawnSync("redis-server", ["--version"]).error !== undefined ? "redis-server not installed" : false;

describe("demo cluster", { skip: chromiumSkip || noRedis, timeout: 120_000 }, () => {
  let demo: DemoProcess;
  let browser: DemoBrowser;

  before(async () => {
    demo = await startDemo("cluster.ts");
    browser = await DemoBrowser.launch();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("three pages, one per node, chat across nodes; every node's figures reach every page", async () => {
    const { a, b, c } = demo.nodes as Record<"a" | "b" | "c", string>;
    const pages = [await browser.open(a, "ann"), await browser.open(b, "bob"), await browser.open(c, "cid")];
    for (const [i, page] of pages.entries()) await send(page, `message ${i + 1}`);
    for (const page of pages) {
      await waitForText(page, "#log", "message 3");
      await waitForText(page, "#log", "message 2");
      assert.deepEqual(await logTexts(page), ["message 1", "message 2", "message 3"]);
    }
    // Each message names the node that took it.
    const metas = await pages[0]?.$$eval("#log .line .meta", (nodes) => nodes.map((n) => n.textContent));
    assert.deepEqual(
      metas?.map((m) => m?.replace(/^.* · /, "")),
      ["node a", "node b", "node c"],
    );
    const [ann] = pages as [(typeof pages)[0]];
    await ann.waitForFunction(() => document.querySelectorAll("#figures .node").length === 3);
    assert.deepEqual(
      await ann.$$eval("#figures .node", (nodes) => nodes.map((n) => (n as HTMLElement).dataset.node)),
      ["a", "b", "c"],
    );
    // Each node counts its own connections: one each.
    await ann.waitForFunction(() =>
      [...document.querySelectorAll('#figures dd[data-figure="connections"]')].every(
        (dd) => dd.textContent === "1",
      ),
    );
    await screenshot(ann, "cluster-three-nodes");
    // Through the round-robin proxy, the same chat.
    const dee = await browser.open(demo.url, "dee");
    await send(dee, "via the proxy");
    await waitForText(ann, "#log", "via the proxy");
    await dee.close();
    const res = await fetch(`${demo.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /plexus_connected_sockets\{[^}]*node="[abc]"/);
    for (const page of pages) await page.close();
  });
});
