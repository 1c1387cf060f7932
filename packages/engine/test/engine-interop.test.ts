/**
 * Interop with the official `engine.io-client` (npm): polling only, WebSocket only, and polling →
 * WebSocket upgrade, exchanging text and binary both ways.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket as EngineSocket } from "@plexus/engine";
import { Socket as ClientSocket } from "engine.io-client";
import { deferred, startEngine, type TestEngine } from "./engine-helpers.js";

interface Run {
  transports: string[];
  upgrade: boolean;
  expectTransport: string;
}

async function exchange(t: TestEngine, run: Run): Promise<void> {
  const serverSide = deferred<EngineSocket>();
  t.engine.once("connection", serverSide.resolve);
  const client = new ClientSocket(`http://127.0.0.1:${t.port}`, {
    transports: run.transports,
    upgrade: run.upgrade,
  });
  try {
    const opened = deferred();
    client.on("open", () => opened.resolve());
    client.on("error", (err) => opened.reject(err));
    await opened.promise;
    const server = await serverSide.promise;
    if (run.upgrade) {
      const upgraded = deferred();
      if (client.transport.name === "websocket") upgraded.resolve();
      else client.once("upgrade", () => upgraded.resolve());
      await upgraded.promise;
    }
    assert.equal(client.transport.name, run.expectTransport);

    const received: unknown[] = [];
    const gotTwo = deferred();
    server.on("message", (data) => {
      received.push(data);
      if (received.length === 2) gotTwo.resolve();
    });
    client.send("hello server");
    client.send(new Uint8Array([1, 2, 3, 255]));
    await gotTwo.promise;
    assert.equal(received[0], "hello server");
    assert.ok(Buffer.isBuffer(received[1]));
    assert.deepEqual([...(received[1] as Buffer)], [1, 2, 3, 255]);

    const clientGot: unknown[] = [];
    const clientTwo = deferred();
    client.on("message", (data) => {
      clientGot.push(data);
      if (clientGot.length === 2) clientTwo.resolve();
    });
    server.send("hello client ✓");
    server.send(Buffer.from([4, 5, 6]));
    await clientTwo.promise;
    assert.equal(clientGot[0], "hello client ✓");
    assert.deepEqual([...new Uint8Array(clientGot[1] as ArrayBuffer | Buffer)], [4, 5, 6]);
    assert.equal(server.transport.name, run.expectTransport);

    const serverClosed = deferred<string>();
    server.once("close", (reason: string) => serverClosed.resolve(reason));
    client.close();
    assert.equal(await serverClosed.promise, "transport close");
  } finally {
    client.close();
  }
}

describe("engine.io-client interop", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine();
  });
  after(() => t.close());

  test("polling only", () =>
    exchange(t, { transports: ["polling"], upgrade: false, expectTransport: "polling" }));

  test("websocket only", () =>
    exchange(t, { transports: ["websocket"], upgrade: false, expectTransport: "websocket" }));

  test("polling → websocket upgrade", () =>
    exchange(t, { transports: ["polling", "websocket"], upgrade: true, expectTransport: "websocket" }));

  test("server-side close reaches the client", async () => {
    const serverSide = deferred<EngineSocket>();
    t.engine.once("connection", serverSide.resolve);
    const client = new ClientSocket(`http://127.0.0.1:${t.port}`, { transports: ["polling"] });
    const closed = deferred<string>();
    client.on("close", (reason) => closed.resolve(reason));
    const server = await serverSide.promise;
    server.close();
    assert.equal(await closed.promise, "transport close");
  });
});

describe("engine.io-client upgrade under traffic", () => {
  test("no message is lost or reordered across the upgrade, in either direction", async () => {
    const t = await startEngine();
    const client = new ClientSocket(`http://127.0.0.1:${t.port}`, { transports: ["polling", "websocket"] });
    try {
      const serverSide = deferred<EngineSocket>();
      t.engine.once("connection", serverSide.resolve);
      const server = await serverSide.promise;
      const total = 200;
      const atServer: string[] = [];
      const atClient: string[] = [];
      const serverDone = deferred();
      const clientDone = deferred();
      server.on("message", (d) => {
        atServer.push(String(d));
        if (atServer.length === total) serverDone.resolve();
      });
      client.on("message", (d) => {
        atClient.push(String(d));
        if (atClient.length === total) clientDone.resolve();
      });
      const upgraded = deferred();
      client.once("upgrade", () => upgraded.resolve());
      // Interleave sends with the upgrade handshake on both sides.
      for (let i = 0; i < total; i++) {
        client.send(`c${i}`);
        server.send(`s${i}`);
        if (i % 20 === 0) await new Promise<void>((r) => setTimeout(r, 2));
      }
      await Promise.all([serverDone.promise, clientDone.promise, upgraded.promise]);
      assert.deepEqual(
        atServer,
        Array.from({ length: total }, (_, i) => `c${i}`),
      );
      assert.deepEqual(
        atClient,
        Array.from({ length: total }, (_, i) => `s${i}`),
      );
      assert.equal(server.transport.name, "websocket");
    } finally {
      client.close();
      await t.close();
    }
  });
});
