/**
 * The demo's reconnect banner shows connection state recovery at work (examples/demo, Debian chromium):
 * a page whose network is cut (devtools "offline", here the same emulation through CDP) and restored gets
 * the messages it missed, each once, marked in its log; a page whose server restarted (the session is
 * gone) says so and joins its room again, so it never claims a room the server no longer has it in.
 * Screenshots under .tmp/test-artifacts/demo/.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chromiumSkip } from "../../test-support/chromium.js";
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

describe("demo: reconnect banner", { skip: chromiumSkip, timeout: 120_000 }, () => {
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

  it("recovers after the network is cut and restored: the missed messages appear once", async () => {
    const ann = await browser.open(demo.url, "ann", "random");
    const bob = await browser.open(demo.url, "bob", "random");
    await send(ann, "before the cut");
    await waitForText(bob, "#log", "before the cut");

    const setOffline = await offlineSwitch(bob);
    await setOffline(true);
    await waitForText(bob, "#banner", "Connection lost (the browser is offline)");
    await send(ann, "missed one");
    await send(ann, "missed two");
    await send(ann, "missed three");
    await bob.fill("#text", "written while offline");
    await bob.press("#text", "Enter");

    await setOffline(false);
    await waitForText(bob, "#banner", "session recovered, 3 missed messages delivered");
    await waitForText(bob, "#status", "connected (recovered)");
    assert.deepEqual(await logTexts(bob), [
      "before the cut",
      "written while offline",
      "missed one",
      "missed two",
      "missed three",
    ]);
    const missed = await bob.$$eval("#log .line.missed .text", (nodes) => nodes.map((n) => n.textContent));
    assert.deepEqual(missed, ["missed one", "missed two", "missed three"]);
    // What the page sent while offline left its buffer once it was back, and was acknowledged.
    await waitForText(ann, "#log", "written while offline");
    await bob.waitForSelector("#log .line.mine .ack.ok");
    // The recovered socket is tracked again: both pages list both users.
    for (const page of [ann, bob]) {
      await page.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    }
    await screenshot(bob, "recovered-after-network-cut");
    await Promise.all([ann.close(), bob.close()]);
  });

  it("says so when the session could not be recovered, and joins its room again", async () => {
    const cal = await browser.open(demo.url, "cal", "help");
    await demo.stop();
    await waitForText(cal, "#banner", "Connection lost");
    demo = await startDemo("server.ts", demo.port);
    await waitForText(cal, "#banner", "Reconnected with a new session");
    await waitForText(cal, "#status", "connected");
    const dee = await browser.open(demo.url, "dee", "help");
    await send(dee, "are you still in help?");
    await waitForText(cal, "#log", "are you still in help?");
    assert.equal(await cal.textContent("#rooms li.current"), "# help");
    await cal.waitForFunction(() => document.querySelectorAll("#members li").length === 2);
    await screenshot(cal, "new-session-after-server-restart");
    await Promise.all([cal.close(), dee.close()]);
  });
});
