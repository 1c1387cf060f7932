/**
 * Debian chromium driven by playwright-core for the browser tests: a headless persistent context in a
 * fresh profile directory, removed again by `close()`. Test code only: never imported from `src/`.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** `false` when chromium is installed, otherwise the reason to skip (for `describe(..., { skip })`). */
export const chromiumSkip: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing`;

const BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];

export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

export async function launchChromium(
  profilePrefix: string,
  extraArgs: readonly string[] = [],
): Promise<ChromiumSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), profilePrefix));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...BASE_ARGS, ...extraArgs],
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
