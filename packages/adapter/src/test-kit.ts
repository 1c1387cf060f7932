/**
 * The adapter test kit (`@plexus/adapter/test-kit`): the cross-node suite every cluster adapter runs
 * against itself — ours over Redis (classic and sharded), the in-process reference, or a third party's
 * over NATS or PostgreSQL. It registers `node:test` tests; each test starts a fresh cluster through the
 * harness it is given and closes it at the end.
 *
 * The kit does not import `@plexus/server` (the adapter layer sits below it): the harness builds the
 * servers and connects the clients, and hands them over as loosely typed values (`io` is a Plexus
 * `Server`, clients are `socket.io-client` or `@plexus/client` sockets, connected). Assertions use
 * events only: no sleeps; "nothing else arrived" is checked with a sentinel broadcast from the same node
 * after the one under test (one sender's messages stay in order).
 *
 * @example
 * import { runClusterAdapterSuite } from "@plexus/adapter/test-kit";
 * runClusterAdapterSuite({ name: "my NATS adapter", start: (n) => startMyCluster(n) });
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter } from "./cluster-adapter.js";
import type { ClusterError } from "./cluster-error.js";
import type { NodeId } from "./cluster-message.js";
import {
  ClientPeer,
  type KitClient,
  type KitServer,
  type KitServerSocket,
  nextEvent,
  sentinel,
} from "./test-kit-support.js";

export type { KitClient, KitServer, KitServerSocket } from "./test-kit-support.js";

/** One node of a cluster under test. */
export interface ClusterTestNode {
  /** The node's Plexus `Server` (`unknown` here: the kit may not import the server package). */
  readonly io: unknown;
  /** Connects one client to namespace `nsp` (default `/`) of this node; resolves once connected, with the server-side socket. */
  connect(nsp?: string): Promise<{ client: unknown; socket: unknown }>;
  /** Closes this node's server (its adapter leaves the cluster). */
  close(): Promise<void>;
}

export interface ClusterTestHarness {
  readonly nodes: readonly ClusterTestNode[];
  /** Closes every node, client and broker connection the harness opened. */
  close(): Promise<void>;
}

export interface ClusterSuiteOptions {
  /** Prefix of every test name. */
  readonly name: string;
  /** Starts `count` connected nodes; resolves once every node counts `count` members (see `clusterFormed`). */
  readonly start: (count: number) => Promise<ClusterTestHarness>;
  /** Nodes per test (at least 3). Default 3. */
  readonly nodes?: number;
}

/** Resolves once every adapter counts `count` live nodes (awaits membership events, no polling). */
export async function clusterFormed(adapters: readonly ClusterAdapter[], count: number): Promise<void> {
  await Promise.all(
    adapters.map(
      (adapter) =>
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (adapter.membership.count < count) return;
            adapter.membership.off("up", check);
            resolve();
          };
          adapter.membership.on("up", check);
          check();
        }),
    ),
  );
}

/** Registers the cross-node suite. */
export function runClusterAdapterSuite(opts: ClusterSuiteOptions): void {
  const size = Math.max(3, opts.nodes ?? 3);
  const scenario = (title: string, body: (nodes: Cluster) => Promise<void>): void => {
    test(`${opts.name}: ${title}`, async () => {
      const harness = await opts.start(size);
      try {
        await body(new Cluster(harness));
      } finally {
        await harness.close();
      }
    });
  };

  scenario("serverCount is the number of live nodes on every node", async (c) => {
    for (let i = 0; i < size; i++) assert.equal(await c.io(i).of("/").adapter.serverCount(), size);
  });

  scenario("io.emit reaches every client of every node exactly once, binary included", async (c) => {
    const peers = await c.peerOnEach();
    const payload = new Uint8Array([1, 2, 3, 250]);
    const got = Promise.all(peers.map((p) => nextEvent(p.client, "all")));
    c.io(0).emit("all", "text", payload);
    for (const [text, bytes] of await got) {
      assert.equal(text, "text");
      assert.deepEqual([...new Uint8Array(bytes as ArrayBuffer)], [1, 2, 3, 250]);
    }
    await sentinel(c.io(0), peers);
    for (const p of peers) assert.deepEqual(p.events(), ["all"]);
  });

  scenario("to(room) and except cross nodes; a socket in several target rooms gets one copy", async (c) => {
    const peers = await c.peerOnEach();
    const [p0, p1, p2] = peers as [ClientPeer, ClientPeer, ClientPeer];
    await p1.socket.join(["red", "blue"]);
    await p2.socket.join(["blue", "muted"]);
    await p0.socket.join("blue");
    c.io(0).to("red").emit("red");
    c.io(0).to(["red", "blue"]).emit("red-or-blue");
    c.io(0).to("blue").except("muted").emit("blue-not-muted");
    c.io(0).except("blue").emit("not-blue");
    await sentinel(c.io(0), peers);
    assert.deepEqual(p0.events(), ["red-or-blue", "blue-not-muted"]);
    assert.deepEqual(p1.events(), ["red", "red-or-blue", "blue-not-muted"]);
    assert.deepEqual(p2.events(), ["red-or-blue"]);
  });

  scenario("to(socketId) reaches a socket on another node; local stays on its node", async (c) => {
    const peers = await c.peerOnEach();
    const [p0, p1, p2] = peers as [ClientPeer, ClientPeer, ClientPeer];
    c.io(0).to(p2.socket.id).emit("direct", 1);
    c.io(0).local.emit("local");
    await sentinel(c.io(0), peers);
    // Volatile means "only if the transport can take it now" (as socket.io): not in the batch that is still
    // writing "local", so it goes once those writes are done.
    c.io(0).volatile.emit("volatile");
    await sentinel(c.io(0), peers);
    assert.deepEqual(p0.events(), ["local", "volatile"]);
    assert.deepEqual(p1.events(), ["volatile"]);
    assert.deepEqual(p2.events(), ["direct", "volatile"]);
  });

  scenario("one node's emits to different rooms reach a client in the order they were sent", async (c) => {
    const peers = await c.peerOnEach();
    const p2 = peers[2]!;
    await p2.socket.join(["a", "b"]);
    for (let i = 0; i < 60; i++) {
      if (i % 3 === 0) c.io(0).to("a").emit("n", i);
      else if (i % 3 === 1) c.io(0).to("b").emit("n", i);
      else c.io(0).to(p2.socket.id).emit("n", i);
    }
    await sentinel(c.io(0), peers);
    assert.deepEqual(
      p2.args("n").map((a) => a[0]),
      Array.from({ length: 60 }, (_, i) => i),
    );
  });

  scenario("another namespace crosses nodes on its own: broadcasts, rooms, fetchSockets", async (c) => {
    const peers = await c.peerOnEach("/chat");
    const onRoot = await c.peerOnEach();
    await peers[1]!.socket.join("lobby");
    const chat = c.io(0).of("/chat") as unknown as KitServer;
    // Namespace adapters exist from the namespace's first use; their memberships form then.
    await clusterFormed(
      c.nodes.map((_, i) => c.io(i).of("/chat").adapter as unknown as ClusterAdapter),
      size,
    );
    chat.emit("chat-all");
    chat.to("lobby").emit("lobby");
    await sentinel(chat, peers);
    assert.deepEqual(
      peers.map((p) => p.events()),
      [["chat-all"], ["chat-all", "lobby"], ["chat-all"]],
    );
    await sentinel(c.io(0), onRoot);
    for (const p of onRoot) assert.deepEqual(p.events(), []);
    assert.equal((await chat.fetchSockets()).length, size);
  });

  scenario("a join that resolved is seen by broadcasts from every other node", async (c) => {
    const peers = await c.peerOnEach();
    const p2 = peers[2]!;
    await p2.socket.join("fresh-room");
    const got = nextEvent(p2.client, "first");
    c.io(0).to("fresh-room").emit("first", "hello");
    assert.deepEqual(await got, ["hello"]);
  });

  scenario("broadcast acks are collected from every node", async (c) => {
    const peers = await c.peerOnEach();
    peers.forEach((p, i) => {
      p.client.on("vote", (ack: (v: number) => void) => ack(i));
    });
    const responses = (await c.io(0).timeout(5000).emitWithAck("vote")) as number[];
    assert.deepEqual(
      [...responses].sort(),
      peers.map((_, i) => i),
    );
  });

  scenario("fetchSockets returns every node's sockets with data and rooms; RemoteSocket works", async (c) => {
    const peers = await c.peerOnEach();
    const p2 = peers[2]!;
    p2.socket.data = { node: 2, bytes: "x" };
    await p2.socket.join("fetched");
    const all = await c.io(0).fetchSockets();
    assert.deepEqual(all.map((s) => s.id).sort(), peers.map((p) => p.socket.id).sort());
    const [remote] = await c.io(0).in("fetched").fetchSockets();
    assert.ok(remote !== undefined);
    assert.equal(remote.id, p2.socket.id);
    assert.deepEqual(remote.data, { node: 2, bytes: "x" });
    assert.ok(remote.rooms.has("fetched"));
    const direct = nextEvent(p2.client, "to-remote");
    remote.emit("to-remote", "hi");
    assert.deepEqual(await direct, ["hi"]);
    const ids = await c
      .io(1)
      .of("/")
      .adapter.sockets(new Set(["fetched"]));
    assert.deepEqual([...ids], [p2.socket.id]);
  });

  scenario(
    "socketsJoin / socketsLeave act on every node, and a broadcast right after sees them",
    async (c) => {
      const peers = await c.peerOnEach();
      c.io(0).socketsJoin("everyone");
      c.io(0).to("everyone").emit("joined");
      await sentinel(c.io(0), peers);
      for (const p of peers) assert.deepEqual(p.events(), ["joined"]);
      for (const p of peers) assert.ok(p.socket.rooms.has("everyone"));
      c.io(0).in(peers[1]!.socket.id).socketsLeave("everyone");
      c.io(0).to("everyone").emit("after-leave");
      await sentinel(c.io(0), peers);
      assert.deepEqual(
        peers.map((p) => p.events()),
        [["after-leave"], [], ["after-leave"]],
      );
    },
  );

  scenario("disconnectSockets disconnects the targeted sockets on every node", async (c) => {
    const peers = await c.peerOnEach();
    const p1 = peers[1]!;
    await p1.socket.join("kick");
    const gone = nextEvent(p1.client, "disconnect");
    c.io(2).in("kick").disconnectSockets();
    assert.equal((await gone)[0], "io server disconnect");
    const left = await c.io(0).fetchSockets();
    assert.equal(left.length, peers.length - 1);
  });

  scenario("serverSideEmit reaches the other nodes; with an ack, every node answers", async (c) => {
    const heard = c.nodes
      .slice(1)
      .map(
        (_, i) =>
          new Promise<unknown[]>((resolve) =>
            c.io(i + 1).on("ping-nodes", (...args: unknown[]) => resolve(args)),
          ),
      );
    c.io(0).serverSideEmit("ping-nodes", 1, { two: 2 });
    for (const args of await Promise.all(heard)) assert.deepEqual(args, [1, { two: 2 }]);
    c.nodes.forEach((_, i) => {
      c.io(i).on("who", (ack: (name: string) => void) => ack(`node${i}`));
    });
    const answers = (await c.io(0).serverSideEmitWithAck("who")) as string[];
    assert.deepEqual(
      [...answers].sort(),
      c.nodes.slice(1).map((_, i) => `node${i + 1}`),
    );
  });

  scenario("a node that closes leaves at once: counts drop, requests do not wait for it", async (c) => {
    await c.peerOnEach();
    const adapter0 = c.io(0).of("/").adapter as unknown as ClusterAdapter;
    const leftNode = new Promise<NodeId>((resolve) => adapter0.membership.once("down", resolve));
    await c.nodes[2]!.close();
    await leftNode;
    assert.equal(await adapter0.serverCount(), size - 1);
    const sockets = await c.io(0).fetchSockets();
    assert.equal(sockets.length, size - 1);
  });

  scenario("a node that never answers makes requests fail with ERR_CLUSTER_TIMEOUT naming it", async (c) => {
    c.io(1).on("slow", () => {});
    c.io(2).on("slow", (ack: (v: string) => void) => ack("fast"));
    const adapter1 = c.io(1).of("/").adapter as unknown as ClusterAdapter;
    const err = (await c
      .io(0)
      .serverSideEmitWithAck("slow")
      .then(
        () => assert.fail("expected a timeout"),
        (e: unknown) => e,
      )) as ClusterError;
    assert.equal(err.code, "ERR_CLUSTER_TIMEOUT");
    assert.deepEqual(err.missingNodes, [adapter1.nodeId]);
    assert.deepEqual(err.responses, ["fast"]);
  });
}

/** Access to the harness's nodes as the kit uses them. */
class Cluster {
  readonly nodes: readonly ClusterTestNode[];
  constructor(harness: ClusterTestHarness) {
    this.nodes = harness.nodes;
  }

  io(index: number): KitServer {
    return this.nodes[index]!.io as KitServer;
  }

  /** One connected client on each node (namespace `nsp`), recording every event it receives. */
  async peerOnEach(nsp = "/"): Promise<ClientPeer[]> {
    const peers: ClientPeer[] = [];
    for (const node of this.nodes) {
      const { client, socket } = await node.connect(nsp);
      peers.push(new ClientPeer(client as KitClient, socket as KitServerSocket));
    }
    return peers;
  }
}
