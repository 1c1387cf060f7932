/**
 * The client's `Presence` helper in a real Chromium: pages load `/socket.io/socket.io.js` as served by a
 * Plexus server and use `io.Presence` from the global bundle; two tabs of one user and a second user, each
 * page's list kept in sync from `presence_state` / `presence_diff`, counted by user.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "@plexus/server";
import type { Page } from "playwright-core";
import { chromiumSkip, launchChromium } from "../../../test-support/chromium.js";

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/socket.io/socket.io.js"></script><script>
const params = new URLSearchParams(location.search);
window.socket = io({ auth: { user: params.get("user"), device: params.get("device") } });
window.presence = new io.Presence(window.socket);
/** Resolves once the list is exactly \`expected\` ("user:tabs" sorted). */
window.until = (expected) => new Promise((resolve) => {
  const check = () => {
    const now = window.presence.list((key, metas) => key + ":" + metas.length).sort();
    if (JSON.stringify(now) === JSON.stringify(expected)) resolve(now);
  };
  window.presence.onSync(check);
  check();
});
</script>`;

test("io.Presence from the served bundle keeps every tab's list in sync", {
  timeout: 90_000,
  skip: chromiumSkip,
}, async () => {
  const http = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
  });
  const io = new Server(http);
  const lobby = io.presence("lobby");
  io.on("connection", (socket) => {
    const { user, device } = socket.handshake.auth as { user: string; device: string };
    lobby.track(socket, user, { device }).catch(() => {});
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  const session = await launchChromium("plexus-presence-");
  const open = async (user: string, device: string): Promise<Page> => {
    const tab = await session.context.newPage();
    await tab.goto(`${base}?user=${user}&device=${device}`);
    return tab;
  };
  const until = (tab: Page, expected: string[]): Promise<unknown> =>
    tab.evaluate(`window.until(${JSON.stringify(expected)})`);
  try {
    const ada1 = await open("ada", "tab1");
    assert.deepEqual(await until(ada1, ["ada:1"]), ["ada:1"]);
    const ada2 = await open("ada", "tab2");
    await until(ada2, ["ada:2"]);
    await until(ada1, ["ada:2"]);
    const bob = await open("bob", "phone");
    await until(bob, ["ada:2", "bob:1"]);
    await until(ada1, ["ada:2", "bob:1"]);
    await until(ada2, ["ada:2", "bob:1"]);
    assert.equal(await ada1.evaluate("typeof io.Presence"), "function");
    await ada2.close();
    await until(ada1, ["ada:1", "bob:1"]);
    await until(bob, ["ada:1", "bob:1"]);
    const devices = await bob.evaluate("window.presence.get('ada').map((m) => m.device)");
    assert.deepEqual(devices, ["tab1"]);
    assert.deepEqual(Object.keys(await lobby.list()).sort(), ["ada", "bob"]);
  } finally {
    await session.close();
    await io.close();
  }
});
