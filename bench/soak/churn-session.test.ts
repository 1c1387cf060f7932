/**
 * The soak's raw protocol client (`churn-session.ts`) against a real `@plexus/server`. When a session fails
 * while its upgrade WebSocket still waits for the 101, the loop terminates that WebSocket itself, and `ws`
 * then reports "WebSocket was closed before the connection was established". The session must be reported
 * with its own failure (here the server's close packet), not with that WebSocket error: the 30-minute soak's
 * "40 upgrade sockets closed before their 101" were such sessions, dropped by the server under starvation,
 * counted under the WebSocket's error and so never listed as drops with their server trace.
 * And a probe that fails before `3probe` leaves the session on polling, as the official client does.
 */
import assert from "node:assert/strict";
import { Agent, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Server } from "@plexus/server";
import { deferred } from "../../test-support/deferred.js";
import { ChurnError, ChurnSession } from "./churn-session.js";

describe("soak client: a session that fails during its upgrade", () => {
  const http = createServer();
  const io = new Server(http, { pingInterval: 25_000, pingTimeout: 20_000 });
  const agent = new Agent({ keepAlive: true });
  /** Upgrade requests of existing sessions wait here (the 101 is late, as from a busy server). */
  const heldUpgrades: (() => void)[] = [];
  let upgradeHeld = deferred<string>();
  /** Upgrade requests of existing sessions are refused (400) instead of held. */
  let refuseUpgrades = false;
  let port = 0;

  before(async () => {
    io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (value: unknown) => void) => ack(value));
    });
    io.engine.use((req, _res, next) => {
      const sid = /[?&]sid=([^&]+)/.exec(req.url ?? "")?.[1];
      if (req.headers.upgrade === undefined || sid === undefined) return next();
      if (refuseUpgrades) return next(new Error("no upgrades here"));
      heldUpgrades.push(() => next());
      upgradeHeld.resolve(sid);
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    port = (http.address() as AddressInfo).port;
  });

  /** A soak session that opens over polling and then upgrades, as a fifth of the soak's loops do. */
  function upgradingSession(): ChurnSession {
    const target = {
      host: "127.0.0.1",
      port,
      path: "/socket.io/",
      localAddress: "127.0.0.1",
      pingInterval: 25_000,
    };
    return new ChurnSession(target, agent, "upgrade");
  }

  after(async () => {
    for (const release of heldUpgrades) release();
    agent.destroy();
    io.close();
    http.closeAllConnections();
  });

  test("the server closes it before the 101: reported as the server's close, not as the WebSocket", async () => {
    upgradeHeld = deferred<string>();
    const session = upgradingSession();
    const connecting = session.connect().then(
      () => "connected",
      (error: unknown) => (error instanceof ChurnError ? error.kind : `not a ChurnError: ${String(error)}`),
    );
    const sid = await upgradeHeld.promise;
    assert.equal(sid, session.sid);
    // The server ends the session (as a ping timeout would): the held poll carries the close packet.
    io.engine.clients[sid]?.close();
    const kind = await connecting;
    assert.match(kind, /^closed by the server \(close packet\) while upgrade \(WebSocket\)$/);
    for (const release of heldUpgrades.splice(0)) release();
  });

  test("a probe that fails before 3probe leaves the session on polling, as engine.io-client", async () => {
    refuseUpgrades = true;
    try {
      const session = upgradingSession();
      await session.connect();
      assert.match(
        session.probeFailure ?? "",
        /^ws upgrade \(WebSocket\) failed: Unexpected server response: 400$/,
      );
      await session.emitWithAck("echo", "still polling");
      assert.equal(session.acks, 1);
      assert.equal(io.engine.clients[session.sid!]?.transport.name, "polling");
      session.closeCleanly();
    } finally {
      refuseUpgrades = false;
    }
  });
});
