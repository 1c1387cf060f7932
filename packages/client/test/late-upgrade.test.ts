/**
 * A slow client between `3probe` and `5` against the official socket.io server: engine.io closes the probing
 * WebSocket once `upgradeTimeout` passes, even after it answered the probe. engine.io-client stays paused
 * then and loses its session to a ping timeout; ours resumes polling and keeps the session
 * (`PollingTransport.resume`). Plexus's own server waits for a late `5` instead (engine-late-upgrade.test.ts).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { io, type Socket } from "@plexus/client";
import { Server } from "socket.io";
import { deferred } from "./deferred.js";

/** engine.io answers the held poll with its first `6` 100 ms after the probe: let it come before the timeout. */
const UPGRADE_TIMEOUT_MS = 150;

describe("client: the server drops the probe after 3probe", () => {
  it("polling resumes after the upgrade error and the session lives on", { timeout: 20_000 }, async (t) => {
    const http = createServer();
    const server = new Server(http, { upgradeTimeout: UPGRADE_TIMEOUT_MS });
    server.on("connection", (socket) => {
      socket.on("echo", (value: string, ack: (answer: string) => void) => ack(`echo ${value}`));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    const client: Socket = io(url, {
      forceNew: true,
      reconnection: false,
      transports: ["polling", "websocket"],
    });
    t.after(() => client.disconnect());
    // A starved client: polling reports "paused" only after the server's upgradeTimeout passed, so the
    // server closes the probe before our `5`.
    const engine = client.io.engine;
    const polling = engine.transport as unknown as { pause(done: () => void): void };
    const pause = polling.pause.bind(polling);
    polling.pause = (done) => pause(() => setTimeout(done, UPGRADE_TIMEOUT_MS * 4));
    const upgradeError = deferred<Error>();
    engine.once("upgradeError", (e: Error) => upgradeError.resolve(e));
    const connected = deferred();
    client.once("connect", () => connected.resolve());
    await connected.promise;
    const id = client.id;
    assert.match((await upgradeError.promise).message, /probe error/);

    // Several round trips: the first answer may still ride on the GET held since before the probe; the
    // next ones need polling to have resumed.
    for (let i = 0; i < 3; i++) {
      const answer = await client.timeout(15_000).emitWithAck("echo", `after the failed upgrade ${i}`);
      assert.equal(answer, `echo after the failed upgrade ${i}`);
    }
    assert.equal(engine.transport.name, "polling");
    assert.equal(client.connected, true);
    assert.equal(client.id, id);
  });
});
