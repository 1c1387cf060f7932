/**
 * The direct session router at the wire (README "No sticky sessions"): three engines, each with its
 * internal listener; polls, POSTs and upgrades sent to a node that does not own the session are served by
 * the owner, and a session whose owner is unknown or down gets the exact "Session ID unknown" answer.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  type ConnectionErrorEvent,
  DirectSessionRouter,
  RoutingError,
  RoutingErrorCodes,
  Server,
  StaticNodeDirectory,
} from "@plexus/engine";
import { handshake, poll, post, raw, rawUpgrade, startEngine } from "./engine-helpers.js";
import { forwardingCases, type RoutedEngine, startRoutedEngines, UNKNOWN } from "./routing-helpers.js";

describe("direct session router", () => {
  const directory = new StaticNodeDirectory();
  let nodes: (RoutedEngine & { router: DirectSessionRouter })[] = [];
  let a: RoutedEngine;
  let b: RoutedEngine;
  let c: RoutedEngine;
  let deadPort = 0;

  before(async () => {
    nodes = await startRoutedEngines(
      ["a", "b", "c"],
      () => new DirectSessionRouter({ directory, secret: "s3cret" }),
      async (node) => {
        await node.router.listen();
      },
    );
    a = nodes[0]!;
    b = nodes[1]!;
    c = nodes[2]!;
    // A port nobody listens on: a node that died without leaving the directory.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    deadPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    directory.set("dead", `127.0.0.1:${deadPort}`);
  });
  after(async () => {
    for (const n of nodes) await n.close();
  });

  test("unknown owner: 400 Session ID unknown, connection_error carries the routing code", async () => {
    const errors: ConnectionErrorEvent[] = [];
    b.engine.on("connection_error", (e: ConnectionErrorEvent) => errors.push(e));
    const res = await poll(b, "AAAAAAAAAAAAAAAAAAAA.zz");
    assert.equal(res.status, 400);
    assert.equal(res.body, UNKNOWN);
    assert.equal(res.headers["content-type"], "application/json");
    const error = errors[0]?.context?.error;
    assert.ok(error instanceof RoutingError);
    assert.equal(error.code, RoutingErrorCodes.OWNER_UNREACHABLE);
    b.engine.removeAllListeners("connection_error");
  });

  test("owner down (connection refused): 400 Session ID unknown for polls, POSTs and upgrades", async () => {
    const sid = "AAAAAAAAAAAAAAAAAAAA.dead";
    const get = await poll(b, sid);
    assert.equal(get.status, 400);
    assert.equal(get.body, UNKNOWN);
    const p = await post(b, sid, "4x");
    assert.equal(p.status, 400);
    assert.equal(p.body, UNKNOWN);
    const up = await rawUpgrade(b.port, b.path(`transport=websocket&sid=${sid}`));
    assert.equal(up.status, 400);
    assert.equal(up.body, "Session ID unknown");
  });

  test("the internal listener refuses requests without the secret (403)", async () => {
    const { sid } = await handshake(a);
    const port = Number(nodes[0]!.router.address!.split(":")[1]);
    const res = await raw(port, a.path(`transport=polling&sid=${sid}`));
    assert.equal(res.status, 403);
    const ok = await raw(port, a.path(`transport=polling&sid=${sid}`), {
      headers: { "x-plexus-route-secret": "s3cret", "x-plexus-forwarded": "test" },
    });
    assert.equal(ok.status, 200);
  });

  forwardingCases(() => [a, b, c]);
});

describe("without a session router", () => {
  test("ids are 20 characters and a sid naming another node gets today's 400", async (t) => {
    const e = await startEngine({ nodeId: "a" });
    t.after(() => e.close());
    const { sid } = await handshake(e);
    assert.match(sid, /^[A-Za-z0-9_-]{20}$/);
    const res = await poll(e, "AAAAAAAAAAAAAAAAAAAA.b");
    assert.equal(res.status, 400);
    assert.equal(res.body, UNKNOWN);
  });

  test("a bad nodeId is refused with a stable code", () => {
    assert.throws(
      () => new Server({ nodeId: "no spaces" }),
      (e: unknown) => e instanceof RoutingError && e.code === RoutingErrorCodes.INVALID_NODE_ID,
    );
  });
});
