/**
 * The cross-node behaviour every official socket.io adapter must show on Plexus servers, as one
 * `describe` block a test file runs per adapter: three server processes, one official client on each,
 * and every cluster operation (broadcasts with rooms/except/binary, broadcast acks, fetchSockets and
 * RemoteSocket, serverSideEmit with and without ack, socketsJoin/Leave, disconnectSockets, serverCount).
 *
 * "Not delivered" is checked without waiting for nothing: after the event under test, the same node
 * broadcasts a barrier to everyone; once every client has the barrier, a client that should not have the
 * event has had every chance to get it (one node's broadcasts arrive in order).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket as ClientSocket } from "socket.io-client";
import type { NodeConfig } from "./adapter-kinds.js";
import { nextEvent, nextReport, startCluster, type TestCluster } from "./harness.js";
import { bytes } from "./node-protocol.js";

export const NODES = 3;

/** A connection state recovery offset of the streams adapter: a Redis stream entry id. */
const STREAM_OFFSET = /^\d+-\d+$/;

/**
 * Everything a client received, by event, and a way to await the next one. With `offsets`, the offset
 * connection state recovery appends to each event is taken off the arguments and kept in `lastOffset`.
 */
export class Recorder {
  readonly events = new Map<string, unknown[][]>();
  lastOffset: string | undefined;
  private readonly waiters = new Map<string, Array<() => void>>();

  private readonly abort: Promise<never> | undefined;

  /** `abort` (a cluster's `failed`) ends every wait with the failure of a server process. */
  constructor(
    readonly socket: ClientSocket,
    options: { offsets?: boolean; abort?: Promise<never> } = {},
  ) {
    const offsets = options.offsets === true;
    this.abort = options.abort;
    socket.onAny((event: string, ...args: unknown[]) => {
      const last = args[args.length - 1];
      if (offsets && typeof last === "string" && STREAM_OFFSET.test(last)) {
        this.lastOffset = last;
        args.pop();
      }
      let list = this.events.get(event);
      if (list === undefined) {
        list = [];
        this.events.set(event, list);
      }
      list.push(args);
      const waiting = this.waiters.get(event);
      this.waiters.delete(event);
      for (const wake of waiting ?? []) wake();
    });
  }

  got(event: string): unknown[][] {
    return this.events.get(event) ?? [];
  }

  /** Resolves with the arguments of the `count`-th `event` (counting those already received). */
  async waitFor(event: string, count = 1): Promise<unknown[]> {
    while (this.got(event).length < count) {
      const arrived = new Promise<void>((resolve) => {
        const list = this.waiters.get(event) ?? [];
        list.push(resolve);
        this.waiters.set(event, list);
      });
      await (this.abort === undefined ? arrived : Promise.race([arrived, this.abort]));
    }
    return this.got(event)[count - 1]!;
  }
}

export interface SuiteContext {
  cluster: TestCluster;
  clients: Recorder[];
}

let barriers = 0;

/** Broadcasts a barrier from `node` and resolves once every client has it. */
export async function barrier(ctx: SuiteContext, node: number): Promise<void> {
  const name = `barrier-${barriers++}`;
  await ctx.cluster.nodes[node]!.call("emit", { event: name, args: [] });
  await Promise.all(ctx.clients.map((c) => c.waitFor(name)));
}

/** Joins `client` (on its node) to `room`, acknowledged once the adapter's room subscription is live. */
export async function join(client: Recorder, room: string): Promise<void> {
  await client.socket.timeout(10_000).emitWithAck("join", room);
}

/**
 * Registers the suite. `start` makes the cluster (after the broker is up); `stop` tears the broker down
 * after the cluster closed.
 */
export function crossNodeSuite(
  name: string,
  config: () => Omit<NodeConfig, "index">,
  hooks: { setUp?(): Promise<void>; tearDown?(): Promise<void>; more?(ctx: () => SuiteContext): void } = {},
): void {
  describe(name, { timeout: 120_000 }, () => {
    let ctx: SuiteContext | undefined;
    const context = (): SuiteContext => ctx!;

    before(async () => {
      await hooks.setUp?.();
      const cluster = await startCluster(NODES, config());
      const sockets = await Promise.all(cluster.nodes.map((_n, i) => cluster.connect(i)));
      const offsets = cluster.config.recovery === true;
      ctx = { cluster, clients: sockets.map((s) => new Recorder(s, { offsets, abort: cluster.failed })) };
      await Promise.all(cluster.nodes.map((n) => n.call("awaitServerCount", { count: NODES })));
    });

    after(async () => {
      try {
        await ctx?.cluster.close();
      } finally {
        await hooks.tearDown?.();
      }
    });

    test("every node counts every server", async () => {
      const counts = await Promise.all(context().cluster.nodes.map((n) => n.call<number>("serverCount")));
      assert.deepEqual(counts, [NODES, NODES, NODES]);
    });

    test("a broadcast from any node reaches the clients of every node", async () => {
      const { cluster, clients } = context();
      await cluster.nodes[0]!.call("emit", { event: "hello", args: [{ from: 0 }, "text"] });
      for (const c of clients) assert.deepEqual(await c.waitFor("hello"), [{ from: 0 }, "text"]);
      await cluster.nodes[2]!.call("emit", { event: "hello", args: [{ from: 2 }] });
      for (const c of clients) assert.deepEqual(await c.waitFor("hello", 2), [{ from: 2 }]);
    });

    test("a room broadcast reaches the room's members on other nodes only; except leaves them out", async () => {
      const ctx = context();
      const [c0, c1, c2] = ctx.clients as [Recorder, Recorder, Recorder];
      await join(c1, "room-a");
      await join(c2, "room-a");
      await ctx.cluster.nodes[0]!.call("emit", { rooms: ["room-a"], event: "in-room", args: [1] });
      assert.deepEqual(await c1.waitFor("in-room"), [1]);
      assert.deepEqual(await c2.waitFor("in-room"), [1]);
      await barrier(ctx, 0);
      assert.equal(c0.got("in-room").length, 0);

      await ctx.cluster.nodes[1]!.call("emit", {
        rooms: ["room-a"],
        except: [c2.socket.id!],
        event: "but-c2",
      });
      await c1.waitFor("but-c2");
      await ctx.cluster.nodes[1]!.call("emit", { except: ["room-a"], event: "outside" });
      await c0.waitFor("outside");
      await barrier(ctx, 1);
      assert.equal(c2.got("but-c2").length, 0);
      assert.equal(c0.got("but-c2").length, 0);
      assert.equal(c1.got("outside").length + c2.got("outside").length, 0);
    });

    test("binary payloads cross nodes", async () => {
      const { cluster, clients } = context();
      await cluster.nodes[1]!.call("emit", {
        event: "bin",
        args: [bytes([1, 2, 3, 255]), { nested: bytes([9]) }],
      });
      for (const c of clients) {
        const [payload, nested] = (await c.waitFor("bin")) as [Buffer, { nested: Buffer }];
        assert.deepEqual([...new Uint8Array(payload)], [1, 2, 3, 255]);
        assert.deepEqual([...new Uint8Array(nested.nested)], [9]);
      }
    });

    test("fetchSockets returns every node's sockets; RemoteSocket.emit reaches a client on another node", async () => {
      const { cluster, clients } = context();
      const ids = clients.map((c) => c.socket.id!);
      type Found = {
        id: string;
        rooms: string[];
        data: { node: number };
        remote: boolean;
        handshakeUrl: string;
      };
      const all = await cluster.nodes[0]!.call<Found[]>("fetchSockets");
      assert.deepEqual(all.map((s) => s.id).sort(), [...ids].sort());
      for (const s of all) {
        const node = ids.indexOf(s.id);
        assert.deepEqual(s.data, { node });
        assert.equal(s.remote, node !== 0, `socket of node ${node} remote`);
        assert.ok(s.rooms.includes(s.id));
        assert.match(s.handshakeUrl, /^\/socket\.io\//);
      }
      await join(clients[0]!, "room-f");
      const inRoom = await cluster.nodes[2]!.call<Found[]>("fetchSockets", { rooms: ["room-f"] });
      assert.deepEqual(
        inRoom.map((s) => [s.id, s.rooms]),
        [[ids[0], [ids[0], "room-f"].sort()]],
      );
      const sent = await cluster.nodes[0]!.call<{ remote: boolean }>("remoteEmit", {
        id: ids[2]!,
        event: "direct",
        args: ["to c2"],
      });
      assert.equal(sent.remote, true);
      assert.deepEqual(await clients[2]!.waitFor("direct"), ["to c2"]);
    });

    test("serverSideEmit reaches the other nodes' listeners; with an ack it resolves with their answers", async () => {
      const { cluster } = context();
      const heard = [1, 2].map((i) => nextReport<{ args: unknown[] }>(cluster.nodes[i]!, "serverSideEvent"));
      await cluster.nodes[0]!.call("serverSideEmit", { event: "notice", args: ["from 0", { n: 1 }] });
      for (const report of await Promise.all(heard)) assert.deepEqual(report.args, ["from 0", { n: 1 }]);
      const answers = await cluster.nodes[1]!.call<string[]>("serverSideEmit", {
        event: "ping-nodes",
        args: ["x"],
        ack: true,
      });
      assert.deepEqual([...answers].sort(), ["pong 0 x", "pong 2 x"]);
    });

    test("a broadcast with acks collects the answer of every client, on every node", async () => {
      const { cluster, clients } = context();
      clients.forEach((c, i) => {
        c.socket.on("ask", (n: number, ack: (v: string) => void) => ack(`client ${i} got ${n}`));
      });
      const answers = await cluster.nodes[2]!.call<string[]>("emitWithAck", { event: "ask", args: [7] });
      assert.deepEqual([...answers].sort(), ["client 0 got 7", "client 1 got 7", "client 2 got 7"]);
      const inRoom = await cluster.nodes[0]!.call<string[]>("emitWithAck", {
        rooms: ["room-a"],
        event: "ask",
        args: [8],
      });
      assert.deepEqual([...inRoom].sort(), ["client 1 got 8", "client 2 got 8"]);
    });

    test("socketsJoin and socketsLeave apply on every node", async () => {
      const ctx = context();
      const { cluster, clients } = ctx;
      await cluster.nodes[1]!.call("socketsJoin", { room: "room-j" });
      await Promise.all(cluster.nodes.map((n) => n.call("awaitRoom", { room: "room-j", count: 1 })));
      await cluster.nodes[0]!.call("emit", { rooms: ["room-j"], event: "in-j" });
      await Promise.all(clients.map((c) => c.waitFor("in-j")));

      await cluster.nodes[2]!.call("socketsLeave", { rooms: [clients[0]!.socket.id!], room: "room-j" });
      await cluster.nodes[0]!.call("awaitRoom", { room: "room-j", count: 0 });
      const left = await cluster.nodes[2]!.call<Array<{ id: string }>>("fetchSockets", { rooms: ["room-j"] });
      assert.deepEqual(left.map((s) => s.id).sort(), [clients[1]!.socket.id, clients[2]!.socket.id].sort());
    });

    hooks.more?.(context);

    test("disconnectSockets disconnects a client held by another node", async () => {
      const { cluster, clients } = context();
      const victim = clients[2]!.socket;
      const victimId = victim.id!;
      const before = await cluster.nodes[0]!.call<Array<{ id: string }>>("fetchSockets");
      const reason = nextEvent<[string]>(victim, "disconnect");
      await cluster.nodes[0]!.call("disconnectSockets", { rooms: [victimId] });
      assert.equal((await reason)[0], "io server disconnect");
      const rest = await cluster.nodes[0]!.call<Array<{ id: string }>>("fetchSockets");
      assert.deepEqual(
        rest.map((s) => s.id).sort(),
        before
          .map((s) => s.id)
          .filter((id) => id !== victimId)
          .sort(),
      );
    });
  });
}
