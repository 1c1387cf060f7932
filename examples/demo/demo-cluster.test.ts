/**
 * `npm run start:cluster` (examples/demo/cluster.ts): the demo on 3 nodes behind the round-robin proxy,
 * joined through its own redis-server. Pages chat across nodes, members are listed across nodes (two tabs
 * of one user on two nodes count once) and get direct messages, every node's figures reach every page,
 * /metrics answers through the proxy, and a page whose network is cut recovers its session (missed messages
 * once) on whichever node its reconnection reaches. Skipped without redis-server. Screenshot under .tmp/test-artifacts/demo/.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { chromiumSkip } from "../../test-support/chromium.js";
import { parsePrometheusText, seriesValue } from "../../test-support/prometheus-text.js";
import {
  DemoBrowser,
  type DemoProcess,
  logTexts,
  offlineSwitch,
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

  it("lists members across nodes (two tabs of one user on two nodes count once) and sends them direct messages", async () => {
    const { a, b, c } = demo.nodes as Record<"a" | "b" | "c", string>;
    const ann = await browser.open(a, "ann", "team");
    const bobOnB = await browser.open(b, "bob", "team");
    const bobOnC = await browser.open(c, "bob", "team");
    await waitForText(ann, "#members", "bob · 2 tabs");
    assert.deepEqual(
      await ann.$$eval("#members li", (items) =>
        items.map((li) => [li.textContent, (li as HTMLElement).title]),
      ),
      [
        ["ann (you)", "connected to node a"],
        ["bob · 2 tabs", "connected to node b, c"],
      ],
    );
    await ann.click('#members li[data-name="bob"]');
    await send(ann, "one message, two nodes");
    for (const bob of [bobOnB, bobOnC]) await waitForText(bob, "#log", "one message, two nodes");
    await screenshot(ann, "cluster-members-across-nodes");
    await bobOnC.close();
    await ann.waitForFunction(
      () => document.querySelector('#members li[data-name="bob"]')?.textContent === "bob",
    );
    await Promise.all([ann.close(), bobOnB.close()]);
  });

  it("recovers a page's session through the proxy after its network is cut, whichever node it reaches", async () => {
    const { a } = demo.nodes as Record<"a", string>;
    const eve = await browser.open(a, "eve", "recovery");
    const fay = await browser.open(demo.url, "fay", "recovery");
    const setOffline = await offlineSwitch(fay);
    // Three cuts: through the round-robin proxy, the reconnections land on other nodes than the session's.
    for (const round of [1, 2, 3]) {
      await setOffline(true);
      await waitForText(fay, "#banner", "Connection lost");
      await send(eve, `missed in round ${round}`);
      await setOffline(false);
      await waitForText(fay, "#banner", "session recovered, 1 missed message delivered");
      await waitForText(fay, "#log", `missed in round ${round}`);
    }
    assert.deepEqual(await logTexts(fay), ["missed in round 1", "missed in round 2", "missed in round 3"]);
    // Three recoveries, counted by the nodes that served them.
    let hits = 0;
    for (const url of Object.values(demo.nodes)) {
      const families = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
      hits += seriesValue(families, "plexus_recovery_attempts_total", { namespace: "/", result: "hit" });
    }
    assert.equal(hits, 3);
    await screenshot(fay, "cluster-recovered");
    await Promise.all([eve.close(), fay.close()]);
  });
});
