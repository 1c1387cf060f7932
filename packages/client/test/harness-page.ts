/**
 * Pages of the browser tests: each loads `test/fixtures/harness.js`, whose `harness.*` functions drive the
 * client inside the page, so a test calls them by name with JSON arguments.
 */
import type { TestContext } from "node:test";
import type { BrowserContext, Page } from "playwright-core";

/** Opens `url` in a new page of `context`, closed when the test ends; page errors are logged. */
export async function openHarnessPage(context: BrowserContext, t: TestContext, url: string): Promise<Page> {
  const page = await context.newPage();
  t.after(() => page.close());
  page.on("pageerror", (err) => console.error("page error:", err.message));
  await page.goto(url);
  return page;
}

/** Calls `harness[method](...args)` in the page and resolves with its (JSON-serialisable) result. */
export function callHarness<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(`harness.${method}(...${JSON.stringify(args)})`) as Promise<T>;
}
