/**
 * The engine's fast paths that reach into `node:http` internals (node-http-internals.ts) are feature
 * detected and fall back silently, which is right for users and wrong for CI: on a Node whose internals
 * changed, polls would quietly stay on `node:http` and every other test would still pass. CI runs the
 * suite on each Node version users run (20, 22, 24); this test fails there, by name, when the version
 * no longer offers what the engine uses.
 */
import assert from "node:assert/strict";
import type { Socket as NetSocket } from "node:net";
import { test } from "node:test";
import { takeoverSupported } from "../src/node-http-internals.js";
import { startEngine } from "./engine-helpers.js";
import { RawHttpConnection } from "./raw-http-connection.js";

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

test(`Node ${process.version}: polls are held off node:http and owned reads skip the stream`, async () => {
  assert.ok(
    takeoverSupported,
    `node:http internals (freeParser, _connectionListener) missing on ${process.version}`,
  );
  const t = await startEngine({});
  const conn = await RawHttpConnection.open(t.port);
  try {
    const open = await conn.exchange(t.path("transport=polling"));
    const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
    conn.request(t.path(`transport=polling&sid=${sid}`));
    while (t.engine.clients[sid]?.transport.writable !== true) await turn();
    await turn(); // the takeover runs in the check phase of the turn that held the poll
    assert.equal(t.engine._ownedCount, 1, "the held poll's connection was taken over from node:http");
    const transport = t.engine.clients[sid]!.transport as unknown as {
      pollRes: { socket: NetSocket } | null;
    };
    assert.equal(
      transport.pollRes!.socket.listenerCount("data"),
      0,
      "plain TCP reads go to the engine's user buffer (net's onread), not through data events",
    );
    const served = t.engine._ownedRequests;
    t.engine.clients[sid]!.send("hello");
    assert.equal((await conn.next()).body, "4hello");
    conn.request(t.path(`transport=polling&sid=${sid}`));
    while (t.engine.clients[sid]?.transport.writable !== true) await turn();
    t.engine.clients[sid]!.send("again");
    assert.equal((await conn.next()).body, "4again");
    assert.equal(t.engine._ownedRequests, served + 1, "the next poll was read by the engine itself");
  } finally {
    conn.destroy();
    await t.close();
  }
});
