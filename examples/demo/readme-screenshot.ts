/**
 * Writes the README's screenshot of the demo (examples/demo/screenshot.png): three users in #lobby, one of
 * them with two tabs, a direct message, an image, someone typing, the server panel. Run it by hand after
 * changing the page: `node --conditions=source --import tsx examples/demo/readme-screenshot.ts`.
 * Not a test (the tests write their own screenshots under .tmp/test-artifacts/demo/).
 */
import { DemoBrowser, send, startDemo, waitForText } from "./demo-harness.js";

const demo = await startDemo("server.ts");
const browser = await DemoBrowser.launch();
try {
  const ann = await browser.open(demo.url, "ann");
  const bob = await browser.open(demo.url, "bob");
  await browser.open(demo.url, "bob");
  const cid = await browser.open(demo.url, "cid");
  await send(bob, "Morning! Is the deploy done?");
  await send(ann, "Yes, 3 nodes behind the load balancer, no sticky sessions.");
  const logo = await ann.screenshot({ clip: { x: 14, y: 8, width: 140, height: 22 } });
  await ann.setInputFiles("#file", { name: "logo.png", mimeType: "image/png", buffer: logo });
  await waitForText(cid, "#log", "logo.png");
  await send(cid, "Nice. And its figures are right there, from /metrics.");
  await cid.click('#members li[data-name="ann"]');
  await send(cid, "lunch later?");
  await bob.locator("#text").pressSequentially("Great, I'll tell the");
  await waitForText(ann, "#typing", "bob is typing");
  await ann.waitForFunction(
    () => document.querySelector('dd[data-figure="connections"]')?.textContent === "4",
  );
  await ann.setViewportSize({ width: 1000, height: 470 });
  await ann.screenshot({ path: new URL("./screenshot.png", import.meta.url).pathname });
  console.log("wrote examples/demo/screenshot.png");
} finally {
  await browser.close();
  await demo.stop();
}
