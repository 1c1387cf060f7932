/**
 * Debian chromium driven by playwright-core for the browser tests: a headless persistent context in a
 * fresh profile directory, removed again by `close()`. Test code only: never imported from `src/`.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** The browser the tests drive: Debian's `chromium`, or any Chromium/Chrome named by `PLEXUS_CHROMIUM`. */
export const CHROMIUM = process.env.PLEXUS_CHROMIUM ?? "/usr/bin/chromium";

/** How to get it, in every failure message. */
export const CHROMIUM_HINT =
  "install Debian's chromium (`sudo apt-get install chromium`), or set PLEXUS_CHROMIUM to a Chromium or Chrome executable";

/**
 * `false` unless the browser tests are switched off explicitly (`PLEXUS_SKIP_BROWSER_TESTS=1`), for
 * `describe(..., { skip })`. A missing Chromium is not a reason to skip: `launchChromium` fails and says how
 * to get it, so a run without the browser tests is never mistaken for a green one.
 */
export const chromiumSkip: false | string =
  process.env.PLEXUS_SKIP_BROWSER_TESTS === "1" ? "PLEXUS_SKIP_BROWSER_TESTS=1" : false;

/** An error that says what to do, without a stack (the launcher's call log says nothing more useful). */
function setupError(message: string): Error {
  const err = new Error(message);
  err.stack = `Error: ${message}`;
  return err;
}

const BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];

export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

export async function launchChromium(
  profilePrefix: string,
  extraArgs: readonly string[] = [],
  executablePath: string = CHROMIUM,
): Promise<ChromiumSession> {
  if (!existsSync(executablePath)) {
    throw setupError(`The browser tests need Chromium, not found at ${executablePath}: ${CHROMIUM_HINT}.`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), profilePrefix));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...BASE_ARGS, ...extraArgs],
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    const first = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw setupError(`Chromium at ${executablePath} did not start (${first}): ${CHROMIUM_HINT}.`);
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
