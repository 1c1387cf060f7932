/**
 * A slow client between `3probe` and `5` (PROTOCOL.md §A7): once the server answered the probe, the client
 * has paused polling and committed to the WebSocket, so `upgradeTimeout` must not close the probe any more
 * (engine.io does, and its client then never resumes polling: the session is lost). Raw protocol, a raw
 * `ws` client, and engine.io-client slowed down between the probe and `5`.
 * The soak found this (README "Soak"): a starved client process took longer than `upgradeTimeout`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Socket as EngineSocket } from "@plexus/engine";
import { Socket as ClientSocket } from "engine.io-client";
import { deferred, handshake, poll, post, startEngine, WsClient, wsUrl } from "./engine-helpers.js";

const UPGRADE_TIMEOUT_MS = 50;

/**
 * Lets `ms` pass. Not a synchronisation: the server's upgrade timer (same process, armed earlier with a
 * shorter delay) has certainly fired before this later, longer timer does, whatever the load.
 */
function letTimePass(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("upgrade: a late `5`", () => {
  test("after 3probe, a `5` later than upgradeTimeout still completes the upgrade", async () => {
    const t = await startEngine({ upgradeTimeout: UPGRADE_TIMEOUT_MS });
    try {
      t.engine.on("connection", (socket: EngineSocket) => {
        socket.on("message", (data) => socket.send(data));
      });
      const { sid } = await handshake(t);
      const socket = t.engine.clients[sid]!;
      const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
      let closedEarly = false;
      void c.closed.then(() => {
        closedEarly = true;
      });
      await c.opened;
      c.send("2probe");
      assert.equal(await c.nextText(), "3probe");
      // The client is slow: it pauses polling (its held GET is answered `6`), then takes longer than
      // upgradeTimeout before it sends `5`.
      assert.equal((await poll(t, sid)).body, "6");
      await letTimePass(UPGRADE_TIMEOUT_MS * 4);
      assert.equal(closedEarly, false, "the probe WebSocket was closed after 3probe");
      assert.equal(socket.upgrading, true);
      socket.send("queued while upgrading");
      c.send("5");
      assert.equal(await c.nextText(), "4queued while upgrading");
      c.send("4after");
      assert.equal(await c.nextText(), "4after");
      assert.equal(socket.upgraded, true);
      assert.equal(socket.transport.name, "websocket");
      assert.equal(socket.readyState, "open");
      c.ws.close();
      await c.closed;
    } finally {
      await t.close();
    }
  });

  test("before 2probe, upgradeTimeout still drops the WebSocket and polling goes on", async () => {
    const t = await startEngine({ upgradeTimeout: UPGRADE_TIMEOUT_MS });
    try {
      const { sid } = await handshake(t);
      const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
      await c.opened;
      await c.closed;
      const socket = t.engine.clients[sid]!;
      assert.equal(socket.upgrading, false);
      assert.equal(socket.transport.name, "polling");
      assert.equal((await post(t, sid, "4x")).body, "ok");
    } finally {
      await t.close();
    }
  });

  test("a client that stops after 3probe is ended by the heartbeat, probe closed with it", async () => {
    const t = await startEngine({ upgradeTimeout: UPGRADE_TIMEOUT_MS, pingInterval: 100, pingTimeout: 100 });
    try {
      const { sid } = await handshake(t);
      const socket = t.engine.clients[sid]!;
      const reason = deferred<string>();
      socket.once("close", (r: string) => reason.resolve(r));
      const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
      await c.opened;
      c.send("2probe");
      assert.equal(await c.nextText(), "3probe");
      // Paused for good: no poll, no pong, no `5`.
      assert.equal(await reason.promise, "ping timeout");
      await c.closed;
      assert.equal(t.engine.clientsCount, 0);
    } finally {
      await t.close();
    }
  });

  test("engine.io-client that pauses longer than upgradeTimeout after 3probe keeps its session", async () => {
    const t = await startEngine({ upgradeTimeout: UPGRADE_TIMEOUT_MS });
    const serverSide = deferred<EngineSocket>();
    t.engine.once("connection", serverSide.resolve);
    const client = new ClientSocket(`http://127.0.0.1:${t.port}`, { transports: ["polling", "websocket"] });
    // A starved client: its polling transport takes long to report "paused", so `5` goes out late.
    const polling = client.transport as unknown as { pause(done: () => void): void };
    const pause = polling.pause.bind(polling);
    polling.pause = (done) => pause(() => setTimeout(done, UPGRADE_TIMEOUT_MS * 4));
    try {
      const server = await serverSide.promise;
      const upgraded = deferred();
      const upgradeError = deferred<Error>();
      client.once("upgrade", () => upgraded.resolve());
      client.once("upgradeError", (e: Error) => upgradeError.resolve(e));
      const outcome = await Promise.race([
        upgraded.promise.then(() => "upgraded"),
        upgradeError.promise.then((e) => `upgrade error: ${e.message}`),
      ]);
      assert.equal(outcome, "upgraded");
      const echoed = deferred<string>();
      client.once("message", (d) => echoed.resolve(String(d)));
      server.once("message", (d) => server.send(`echo ${String(d)}`));
      client.send("hi");
      assert.equal(await echoed.promise, "echo hi");
      assert.equal(server.transport.name, "websocket");
      assert.equal(server.readyState, "open");
    } finally {
      client.close();
      await t.close();
    }
  });
});
