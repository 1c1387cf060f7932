/**
 * Presence across real processes on a real Redis (`fixtures/presence-node.ts`, default heartbeat settings):
 * three Plexus nodes list the same entries and their sockets' `Presence` helpers agree; two tabs of one user
 * on two nodes; a node that starts later gets the others' entries; a node killed with SIGKILL loses its
 * entries on the others within 15 s (leave events and diffs); and in a mixed cluster with a socket.io@4.8
 * node on the classic wire, the presence messages disturb nothing.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { Presence } from "@plexus/client";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import { startRedis, type TestRedis } from "../../../test-support/redis-server.js";
import { NodeProcess, nextOn } from "./cluster-process.js";

const presenceNode = new URL("./fixtures/presence-node.ts", import.meta.url).pathname;

let redis: TestRedis;
const started: NodeProcess[] = [];

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await Promise.all(started.map((n) => n.kill("SIGTERM")));
  await redis?.stop();
});

async function startNode(
  kind: "plexus" | "socketio" = "plexus",
  mode: "classic" | "sharded" = "classic",
): Promise<NodeProcess> {
  const node = await NodeProcess.start(
    redis.url,
    kind === "plexus" ? { kind, mode, fixture: presenceNode } : { kind },
  );
  started.push(node);
  return node;
}

/** Resolves once every node in `nodes` knows every other one. */
async function formed(nodes: NodeProcess[]): Promise<void> {
  await Promise.all(
    nodes.flatMap((node) =>
      nodes
        .filter((other) => other !== node)
        .map((other) => node.seen("up", (r) => r.nodeId === other.nodeId)),
    ),
  );
}

/** A tab of `user`: a socket.io-client socket on `node`, with the client's Presence helper. */
async function tab(
  node: NodeProcess,
  user: string,
  device: string,
): Promise<{ socket: ClientSocket; presence: Presence }> {
  const socket = ioc(`http://127.0.0.1:${node.port}`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    auth: { user, device },
  });
  node.clients.push(socket);
  const presence = new Presence(socket);
  await nextOn(socket, "presence_state");
  return { socket, presence };
}

/** Resolves once `presence` lists exactly `expected` ("key:metas", sorted). */
function agrees(presence: Presence, expected: string[]): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const now = presence.list((key, metas) => `${key}:${metas.length}`).sort();
      if (JSON.stringify(now) === JSON.stringify(expected)) resolve();
    };
    presence.onSync(check);
    check();
  });
}

/** Resolves once `node.list()` is exactly `expected` (checked after each of its presence events). */
async function listed(node: NodeProcess, expected: Record<string, string[]>): Promise<void> {
  for (;;) {
    const event = node.nextEvent("presence");
    const now = await node.call<Record<string, string[]>>("list");
    if (JSON.stringify(now) === JSON.stringify(expected)) {
      // Not awaited: it rejects when the node exits later.
      event.catch(() => {});
      return;
    }
    await event;
  }
}

test("three nodes on Redis: same list everywhere, two tabs of one user, a late node, SIGKILL cleanup", {
  timeout: 120_000,
}, async (t) => {
  const [n1, n2, n3] = [await startNode(), await startNode(), await startNode()];
  await formed([n1, n2, n3]);
  const ada1 = await tab(n1, "ada", "laptop");
  const bob = await tab(n2, "bob", "phone");
  const ada2 = await tab(n3, "ada", "tablet");
  const expected = { ada: ["laptop", "tablet"], bob: ["phone"] };
  await Promise.all([listed(n1, expected), listed(n2, expected), listed(n3, expected)]);
  await Promise.all([ada1, bob, ada2].map((t) => agrees(t.presence, ["ada:2", "bob:1"])));

  // A node that starts now gets everyone's entries (snapshots) and lists them.
  const n4 = await startNode();
  await formed([n1, n2, n3, n4]);
  await listed(n4, expected);

  // SIGKILL: no goodbye; the others drop its entries within 15 s (probe of its Redis connection).
  const killedAt = performance.now();
  const gone = Promise.all(
    [n1, n2, n4].map((n) => n.seen("presence", (r) => JSON.stringify(r.args) === '["leave","ada","tablet"]')),
  );
  // The process dies with its clients still connected (NodeProcess.kill would disconnect them first).
  const exited = once(n3.child, "exit");
  n3.child.kill("SIGKILL");
  await exited;
  await gone;
  const seconds = (performance.now() - killedAt) / 1000;
  assert.ok(seconds < 15, `entries of the killed node gone after ${seconds.toFixed(1)} s`);
  t.diagnostic(`entries of the SIGKILLed node gone on every node after ${seconds.toFixed(1)} s`);
  const after = { ada: ["laptop"], bob: ["phone"] };
  await Promise.all([listed(n1, after), listed(n2, after), listed(n4, after)]);
  await Promise.all([ada1, bob].map((t) => agrees(t.presence, ["ada:1", "bob:1"])));
  assert.deepEqual(
    ada1.presence.get("ada").map((meta) => meta.device),
    ["laptop"],
  );
  await Promise.all([n1, n2, n4].map((n) => n.kill("SIGTERM")));
});

test("mixed cluster: a socket.io@4.8 node on the classic wire ignores presence traffic and keeps working", {
  timeout: 120_000,
}, async () => {
  const sio = await startNode("socketio");
  const [p1, p2] = [await startNode(), await startNode()];
  await formed([p1, p2]);
  const onSio = await sio.connect();
  const seenBySio: string[] = [];
  onSio.onAny((event: string) => seenBySio.push(event));
  const a = await tab(p1, "ada", "laptop");
  await tab(p2, "bob", "phone");
  await agrees(a.presence, ["ada:1", "bob:1"]);
  // The socket.io node still counts, answers and delivers both ways after the presence messages.
  assert.equal(await p1.call("counters").then((c) => (c as { badMessages: number }).badMessages), 0);
  assert.equal(await sio.call("serverCount"), 3);
  const sockets = await sio.call<unknown[]>("fetchSockets", []);
  assert.equal(sockets.length, 3, "the socket.io node fetched every node's sockets");
  const toPlexus = nextOn(a.socket, "from-sio");
  await sio.call("emit", [], [], "from-sio", [1]);
  assert.deepEqual(await toPlexus, [1]);
  const toSio = nextOn(onSio, "from-plexus");
  await p1.call("emit", "from-plexus", [2]);
  assert.deepEqual(await toSio, [2]);
  assert.deepEqual(
    seenBySio,
    ["from-sio", "from-plexus"],
    "no presence event reached the socket.io node's client",
  );
  await Promise.all([sio, p1, p2].map((n) => n.kill("SIGTERM")));
});

test("sharded mode (SSUBSCRIBE): lists agree, a late node gets the snapshots, a killed node's entries go", {
  timeout: 120_000,
}, async () => {
  const [s1, s2] = [await startNode("plexus", "sharded"), await startNode("plexus", "sharded")];
  await formed([s1, s2]);
  const ada = await tab(s1, "ada", "laptop");
  const bob = await tab(s2, "bob", "phone");
  await agrees(ada.presence, ["ada:1", "bob:1"]);
  await agrees(bob.presence, ["ada:1", "bob:1"]);
  const s3 = await startNode("plexus", "sharded");
  await formed([s1, s2, s3]);
  await listed(s3, { ada: ["laptop"], bob: ["phone"] });
  const exited = once(s2.child, "exit");
  s2.child.kill("SIGKILL");
  await exited;
  await Promise.all([listed(s1, { ada: ["laptop"] }), listed(s3, { ada: ["laptop"] })]);
  await agrees(ada.presence, ["ada:1"]);
  await Promise.all([s1, s3].map((n) => n.kill("SIGTERM")));
});
