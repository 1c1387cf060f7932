/**
 * Several engines of one process joined by a session router, for the routing tests: each on its own
 * HTTP server on 127.0.0.1 port 0, with a node id of its own ("a", "b", "c"), echoing messages.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SessionRouter, Socket } from "@plexus/engine";
import {
  handshake,
  poll,
  post,
  raw,
  startEngine,
  type TestEngine,
  WsClient,
  wsUrl,
} from "./engine-helpers.js";

/** A poll answer's records without the owner's pings, which may join any answer. */
export function withoutPings(body: string): string {
  return body
    .split("\x1e")
    .filter((r) => r !== "2")
    .join("\x1e");
}

/** The next text frame that is not a ping of the owner. */
export async function nextNonPing(ws: WsClient): Promise<string> {
  for (;;) {
    const text = await ws.nextText();
    if (text !== "2") return text;
  }
}

export const UNKNOWN = '{"code":1,"message":"Session ID unknown"}';

export interface RoutedEngine extends TestEngine {
  readonly nodeId: string;
  readonly router: SessionRouter;
}

/** Starts `ids.length` engines, the router of each made by `makeRouter`; messages are echoed. */
export async function startRoutedEngines<R extends SessionRouter>(
  ids: readonly string[],
  makeRouter: (nodeId: string) => R | Promise<R>,
  after?: (node: RoutedEngine & { router: R }) => Promise<void>,
): Promise<(RoutedEngine & { router: R })[]> {
  const nodes: (RoutedEngine & { router: R })[] = [];
  for (const nodeId of ids) {
    const router = await makeRouter(nodeId);
    const t = await startEngine({ nodeId, sessionRouter: router, pingInterval: 300, pingTimeout: 5000 });
    t.engine.on("connection", (socket: Socket) => socket.on("message", (data) => socket.send(data)));
    const node = Object.assign(t, { nodeId, router });
    if (after !== undefined) await after(node);
    nodes.push(node);
  }
  return nodes;
}

/** The cases every router passes: three nodes a, b, c; sessions opened on a, served through b and c. */
export function forwardingCases(nodes: () => readonly [RoutedEngine, RoutedEngine, RoutedEngine]): void {
  test("session ids end with '.' and the owner's node id", async () => {
    const [a] = nodes();
    const { sid } = await handshake(a);
    assert.match(sid, /^[A-Za-z0-9_-]{20}\.a$/);
  });

  test("polls and POSTs on other nodes reach the owner, in order", async () => {
    const [a, b, c] = nodes();
    const { sid } = await handshake(a);
    const socket = a.engine.clients[sid]!;
    const got: string[] = [];
    socket.on("message", (m) => got.push(String(m)));
    assert.equal((await post(b, sid, "4one")).body, "ok");
    assert.equal((await post(c, sid, "4two")).body, "ok");
    assert.equal((await post(a, sid, "4three")).body, "ok");
    assert.deepEqual(got, ["one", "two", "three"]);
    // The echoes are waiting at the owner: a poll on another node takes them.
    const answer = await poll(c, sid);
    assert.equal(answer.status, 200);
    assert.equal(withoutPings(answer.body), "4one\x1e4two\x1e4three");
    assert.equal(answer.headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(b.engine.clients[sid], undefined);
  });

  test("a held poll on another node is answered when the owner sends", async () => {
    const [a, b] = nodes();
    const { sid } = await handshake(a);
    const held = poll(b, sid);
    // The owner answers the held GET with its ping (pingInterval 300 ms) or with what is sent first.
    a.engine.clients[sid]!.send("pushed");
    const answer = await held;
    assert.equal(answer.status, 200);
    assert.match(answer.body, /^(4pushed|2)/);
  });

  test("a session the owner no longer holds: the owner's own 400 is relayed", async () => {
    const [, b] = nodes();
    const res = await poll(b, "AAAAAAAAAAAAAAAAAAAA.a");
    assert.equal(res.status, 400);
    assert.equal(res.body, UNKNOWN);
  });

  test("upgrade on another node: the WebSocket runs end to end with the owner", async () => {
    const [a, , c] = nodes();
    const { sid } = await handshake(a);
    const socket = a.engine.clients[sid]!;
    const ws = new WsClient(wsUrl(c, `transport=websocket&sid=${sid}`));
    await ws.opened;
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    ws.send("5");
    ws.send("4over websocket");
    assert.equal(await nextNonPing(ws), "4over websocket");
    assert.equal(socket.transport.name, "websocket");
    const closed = new Promise((resolve) => socket.once("close", resolve));
    ws.ws.close();
    assert.equal(await closed, "transport close");
  });

  test("a request already forwarded is not forwarded again", async () => {
    const [a, b] = nodes();
    const { sid } = await handshake(a);
    const res = await raw(b.port, b.path(`transport=polling&sid=${sid}`), {
      headers: { "x-plexus-forwarded": "x" },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body, UNKNOWN);
  });
}
