/**
 * The adapter contract carries a cluster: two servers in one process joined by a toy in-process broker
 * adapter (test-only) built on `InMemoryAdapter`. Broadcasts, `local`, broadcast acks, `fetchSockets`
 * (RemoteSocket from a description), `serverSideEmit` with acks and `serverCount` all cross nodes through
 * the contract's methods only, as a Redis adapter would.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastOptions,
  InMemoryAdapter,
  type RemoteSocketDetails,
} from "@plexus/adapter";
import type { SocketPacket } from "@plexus/protocol";
import type { Socket } from "@plexus/server";
import { next, startServer, type TestServer } from "./helpers.js";

/** Every node's adapter per namespace name: the "broker". */
const bus = new Map<string, Set<LoopbackAdapter>>();

function clone<T>(value: T): T {
  return structuredClone(value);
}

function localOnly(opts: BroadcastOptions): BroadcastOptions {
  return { rooms: opts.rooms, except: opts.except ?? new Set(), flags: { ...opts.flags, local: true } };
}

class LoopbackAdapter extends InMemoryAdapter {
  constructor(nsp: AdapterNamespace) {
    super(nsp);
    let peers = bus.get(nsp.name);
    if (peers === undefined) {
      peers = new Set();
      bus.set(nsp.name, peers);
    }
    peers.add(this);
  }

  private others(): LoopbackAdapter[] {
    return [...(bus.get(this.nsp.name) ?? [])].filter((a) => a !== this);
  }

  override close(): void {
    bus.get(this.nsp.name)?.delete(this);
    super.close();
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(bus.get(this.nsp.name)?.size ?? 1);
  }

  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    if (opts.flags?.local !== true) {
      for (const peer of this.others()) peer.broadcast(clone(packet), localOnly(opts));
    }
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (n: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (opts.flags?.local !== true) {
      for (const peer of this.others())
        peer.broadcastWithAck(clone(packet), localOnly(opts), clientCountCallback, ack);
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<Array<AdapterSocket | RemoteSocketDetails>> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local === true) return local;
    const remote: RemoteSocketDetails[] = [];
    for (const peer of this.others()) {
      for (const s of await peer.fetchSockets(localOnly(opts))) {
        remote.push({
          id: s.id,
          handshake: clone(s.handshake),
          rooms: [...(s.rooms as Set<string>)],
          data: clone(s.data),
        });
      }
    }
    return [...local, ...remote];
  }

  override addSockets(opts: BroadcastOptions, rooms: readonly string[]): void {
    if (opts.flags?.local !== true) for (const peer of this.others()) peer.addSockets(localOnly(opts), rooms);
    super.addSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (opts.flags?.local !== true)
      for (const peer of this.others()) peer.disconnectSockets(localOnly(opts), close);
    super.disconnectSockets(opts, close);
  }

  override serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    const peers = this.others();
    if (typeof last !== "function") {
      for (const peer of peers) peer.nsp.onServerSideEmit(clone(packet));
      return;
    }
    const ack = last as (err: Error | null, responses: unknown[]) => void;
    const args = packet.slice(0, -1);
    const responses: unknown[] = [];
    if (peers.length === 0) ack(null, responses);
    for (const peer of peers) {
      peer.nsp.onServerSideEmit([
        ...clone(args),
        (response: unknown) => {
          responses.push(response);
          if (responses.length === peers.length) ack(null, responses);
        },
      ]);
    }
  }
}

async function twoNodes(): Promise<[TestServer, TestServer]> {
  const a = await startServer({ adapter: LoopbackAdapter });
  const b = await startServer({ adapter: LoopbackAdapter });
  return [a, b];
}

async function connect(s: TestServer): Promise<{ client: ReturnType<TestServer["client"]>; socket: Socket }> {
  const connected = next<[Socket]>(s.io, "connection");
  const client = s.client("/", { transports: ["websocket"] });
  const [socket] = await connected;
  await next(client, "connect");
  return { client, socket };
}

test("broadcasts and rooms cross nodes; local stays on its node", async () => {
  const [a, b] = await twoNodes();
  await using _a = a;
  await using _b = b;
  const onA = await connect(a);
  const onB = await connect(b);
  onB.socket.join("room");
  const both = Promise.all([next(onA.client, "all"), next(onB.client, "all")]);
  a.io.emit("all", 1);
  assert.deepEqual(await both, [[1], [1]]);
  const roomOnly = next(onB.client, "room");
  a.io.to("room").emit("room", "from a");
  assert.deepEqual(await roomOnly, ["from a"]);
  const localGot: string[] = [];
  onB.client.on("local", () => localGot.push("b"));
  const onALocal = next(onA.client, "local");
  a.io.local.emit("local");
  await onALocal;
  const sentinel = next(onB.client, "sentinel");
  b.io.emit("sentinel");
  await sentinel;
  assert.deepEqual(localGot, []);
  assert.equal(await a.io.sockets.adapter.serverCount(), 2);
});

test("broadcast acks are collected from both nodes", async () => {
  const [a, b] = await twoNodes();
  await using _a = a;
  await using _b = b;
  const onA = await connect(a);
  const onB = await connect(b);
  onA.client.on("vote", (ack: (v: string) => void) => ack("a"));
  onB.client.on("vote", (ack: (v: string) => void) => ack("b"));
  const responses = (await a.io.timeout(2000).emitWithAck("vote")) as string[];
  assert.deepEqual(responses.sort(), ["a", "b"]);
});

test("fetchSockets returns remote sockets as RemoteSocket; remote join and disconnect work", async () => {
  const [a, b] = await twoNodes();
  await using _a = a;
  await using _b = b;
  await connect(a);
  const onB = await connect(b);
  onB.socket.data = { node: "b" };
  onB.socket.join("r");
  const sockets = await a.io.in("r").fetchSockets();
  assert.equal(sockets.length, 1);
  const remote = sockets[0]!;
  assert.equal(remote.id, onB.socket.id);
  assert.deepEqual(remote.data, { node: "b" });
  assert.ok(remote.rooms.has("r"));
  remote.join("joined-remotely");
  assert.ok(onB.socket.rooms.has("joined-remotely"));
  const gone = next<[string]>(onB.client, "disconnect");
  remote.disconnect();
  assert.equal((await gone)[0], "io server disconnect");
});

test("serverSideEmit reaches the other node; with ack, its responses come back", async () => {
  const [a, b] = await twoNodes();
  await using _a = a;
  await using _b = b;
  const got = new Promise<unknown[]>((resolve) => b.io.on("hello", (...args: unknown[]) => resolve(args)));
  a.io.serverSideEmit("hello", 1, "two");
  assert.deepEqual(await got, [1, "two"]);
  b.io.on("question", (q: string, ack: (answer: string) => void) => ack(`b answers ${q}`));
  assert.deepEqual(await a.io.serverSideEmitWithAck("question", "x"), ["b answers x"]);
});
