/**
 * The channel session router at the wire (README "No sticky sessions"): three engines joined by an
 * in-process channel hub; polls and POSTs travel as request/response messages, upgrades as byte tunnels,
 * and a node that leaves the hub makes its sessions "Session ID unknown" at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ChannelSessionRouter,
  type ConnectionErrorEvent,
  InProcessChannelHub,
  RoutingError,
  RoutingErrorCodes,
} from "@plexus/engine";
import { handshake, poll, post, rawUpgrade, WsClient, wsUrl } from "./engine-helpers.js";
import {
  forwardingCases,
  nextNonPing,
  type RoutedEngine,
  startRoutedEngines,
  UNKNOWN,
  withoutPings,
} from "./routing-helpers.js";

describe("channel session router", () => {
  const hub = new InProcessChannelHub();
  let nodes: (RoutedEngine & { router: ChannelSessionRouter })[] = [];
  let a: RoutedEngine;
  let b: RoutedEngine;
  let c: RoutedEngine;

  before(async () => {
    nodes = await startRoutedEngines(["a", "b", "c", "d"], (id) => new ChannelSessionRouter(hub.join(id)));
    a = nodes[0]!;
    b = nodes[1]!;
    c = nodes[2]!;
  });
  after(async () => {
    for (const n of nodes) await n.close();
  });

  forwardingCases(() => [a, b, c]);

  test("the engine adopts the channel's node id", () => {
    assert.equal(a.engine.nodeId, "a");
  });

  test("a node that is not a member: 400 Session ID unknown at once, for polls and upgrades", async () => {
    const errors: ConnectionErrorEvent[] = [];
    b.engine.on("connection_error", (e: ConnectionErrorEvent) => errors.push(e));
    const res = await poll(b, "AAAAAAAAAAAAAAAAAAAA.zz");
    assert.equal(res.status, 400);
    assert.equal(res.body, UNKNOWN);
    const up = await rawUpgrade(b.port, b.path("transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA.zz"));
    assert.equal(up.status, 400);
    assert.equal(up.body, "Session ID unknown");
    const error = errors[0]?.context?.error;
    assert.ok(error instanceof RoutingError);
    assert.equal(error.code, RoutingErrorCodes.OWNER_UNREACHABLE);
    b.engine.removeAllListeners("connection_error");
  });

  test("binary POST bodies and large answers cross the channel unchanged", async () => {
    const { sid } = await handshake(a);
    const socket = a.engine.clients[sid]!;
    const big = "x".repeat(200_000);
    const got = new Promise((resolve) => socket.once("message", resolve));
    assert.equal((await post(b, sid, `4${big}`)).body, "ok");
    assert.equal(await got, big);
    const answer = await poll(c, sid);
    assert.equal(withoutPings(answer.body), `4${big}`);
  });

  test("a tunnelled WebSocket carries a burst both ways in order (flow control)", async () => {
    const { sid } = await handshake(a);
    const ws = new WsClient(wsUrl(b, `transport=websocket&sid=${sid}`));
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    ws.send("5");
    const chunk = "y".repeat(10_000);
    for (let i = 0; i < 100; i++) ws.send(`4${i}:${chunk}`);
    for (let i = 0; i < 100; i++) assert.equal(await nextNonPing(ws), `4${i}:${chunk}`);
    ws.ws.close();
    await ws.closed;
  });

  test("the owner leaves: a held poll and an open tunnel end, later requests get 400 at once", async () => {
    const d = nodes[3]!;
    const { sid } = await handshake(d);
    const { sid: wsSid } = await handshake(d);
    const ws = new WsClient(wsUrl(b, `transport=websocket&sid=${wsSid}`));
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    // The held poll: answered 400 Session ID unknown when the owner leaves (no answer had started).
    const heldPoll = poll(b, sid);
    await new Promise((resolve) => setImmediate(resolve));
    hub.leave("d");
    const held = await heldPoll;
    assert.ok(held.status === 400 || held.status === 200, `status ${held.status}`);
    await ws.closed;
    const later = await poll(b, sid);
    assert.equal(later.status, 400);
    assert.equal(later.body, UNKNOWN);
  });
});
