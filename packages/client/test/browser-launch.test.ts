/**
 * The browser tests' launcher (test-support/chromium.ts) where Chromium is missing or broken: the run fails
 * with what to install, not with the browser launcher's call log.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { launchChromium } from "../../../test-support/chromium.js";

function isSetupError(err: unknown, pattern: RegExp): boolean {
  assert.ok(err instanceof Error);
  assert.match(err.message, pattern);
  assert.match(err.message, /sudo apt-get install chromium/);
  assert.match(err.message, /PLEXUS_CHROMIUM/);
  assert.equal(err.stack, `Error: ${err.message}`, "no stack, no launcher call log");
  return true;
}

test("a missing Chromium fails with how to install it", async () => {
  await assert.rejects(launchChromium("plexus-missing-", [], "/nonexistent/chromium"), (err) =>
    isSetupError(err, /^The browser tests need Chromium, not found at \/nonexistent\/chromium: /),
  );
});

test("a Chromium that does not start fails with how to (re)install it", async () => {
  await assert.rejects(launchChromium("plexus-broken-", [], "/bin/false"), (err) =>
    isSetupError(err, /^Chromium at \/bin\/false did not start \(.+\): /),
  );
});
