/**
 * The in-memory adapter on its own, with a fake namespace: room bookkeeping and events, targeting
 * (rooms, except, multi-room dedupe), prepare-once broadcasts, broadcast acks, and recovery offsets.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastFlags,
  InMemoryAdapter,
  type PreparedPacket,
  type Room,
} from "@plexus/adapter";
import { type SocketPacket, SocketPacketType } from "@plexus/protocol";

class FakeSocket implements AdapterSocket {
  readonly id: string;
  readonly handshake = {};
  readonly data = {};
  nextAckId = 0;
  readonly written: PreparedPacket[] = [];
  readonly acks = new Map<number, (...args: unknown[]) => void>();
  disconnected = false;
  constructor(
    id: string,
    private readonly adapter: () => InMemoryAdapter,
  ) {
    this.id = id;
  }
  get rooms(): ReadonlySet<Room> {
    return this.adapter().socketRooms(this.id) ?? new Set();
  }
  writePrepared(prepared: PreparedPacket, _flags: BroadcastFlags | undefined): void {
    this.written.push(prepared);
  }
  expectAck(id: number, ack: (...args: unknown[]) => void): void {
    this.acks.set(id, ack);
    if (this.nextAckId <= id) this.nextAckId = id + 1;
  }
  forgetAck(): void {}
  join(rooms: Room | readonly Room[]): void {
    this.adapter().addAll(this.id, typeof rooms === "string" ? [rooms] : rooms);
  }
  leave(room: Room): void {
    this.adapter().del(this.id, room);
  }
  disconnect(): void {
    this.disconnected = true;
    this.adapter().delAll(this.id);
  }
}

function setup(names: string[], recovery = false) {
  let prepares = 0;
  const sockets = new Map<string, FakeSocket>();
  const nsp: AdapterNamespace = {
    name: "/",
    sockets,
    recovery: recovery ? { maxDisconnectionDuration: 60_000 } : undefined,
    prepare(packet: SocketPacket) {
      prepares++;
      return { packet };
    },
    onServerSideEmit() {},
  };
  const adapter = new InMemoryAdapter(nsp);
  for (const name of names) {
    const socket = new FakeSocket(name, () => adapter);
    sockets.set(name, socket);
    adapter.addAll(name, [name]);
  }
  const get = (name: string) => sockets.get(name)!;
  return { adapter, get, prepares: () => prepares };
}

function event(data: unknown[]): SocketPacket {
  return { type: SocketPacketType.EVENT, nsp: "/", data };
}

test("addAll / del / delAll keep rooms and sids in sync and emit room events", () => {
  const { adapter } = setup([]);
  const events: string[] = [];
  adapter.on("create-room", (r) => events.push(`create ${r}`));
  adapter.on("join-room", (r, id) => events.push(`join ${r} ${id}`));
  adapter.on("leave-room", (r, id) => events.push(`leave ${r} ${id}`));
  adapter.on("delete-room", (r) => events.push(`delete ${r}`));
  adapter.addAll("s1", ["a", "b"]);
  adapter.addAll("s2", ["a"]);
  adapter.addAll("s2", ["a"]);
  adapter.del("s1", "a");
  adapter.delAll("s1");
  adapter.delAll("unknown");
  assert.deepEqual(events, [
    "create a",
    "join a s1",
    "create b",
    "join b s1",
    "join a s2",
    "leave a s1",
    "leave b s1",
    "delete b",
  ]);
  assert.deepEqual([...adapter.rooms.keys()], ["a"]);
  assert.deepEqual([...adapter.sids.keys()], ["s2"]);
});

test("broadcast prepares once and writes once per recipient, deduplicated across rooms", () => {
  const { adapter, get, prepares } = setup(["s1", "s2", "s3", "s4"]);
  adapter.addAll("s1", ["a", "b", "c"]);
  adapter.addAll("s2", ["b"]);
  adapter.addAll("s3", ["c", "x"]);
  adapter.broadcast(event(["e"]), { rooms: new Set(["a", "b", "c"]) });
  assert.equal(prepares(), 1);
  assert.deepEqual(
    ["s1", "s2", "s3", "s4"].map((n) => get(n).written.length),
    [1, 1, 1, 0],
  );
  // The same prepared object is shared.
  assert.equal(get("s1").written[0], get("s2").written[0]);
});

test("except excludes members of any except room, with few and with many except rooms", () => {
  const { adapter, get } = setup(["s1", "s2", "s3"]);
  adapter.addAll("s1", ["x"]);
  adapter.addAll("s2", ["y"]);
  adapter.broadcast(event(["few"]), { rooms: new Set(), except: new Set(["x"]) });
  adapter.broadcast(event(["many"]), {
    rooms: new Set(),
    except: new Set(["q1", "q2", "q3", "q4", "q5", "y"]),
  });
  adapter.broadcast(event(["room-and-except"]), { rooms: new Set(["x", "y"]), except: new Set(["s2"]) });
  const names = (n: string) => get(n).written.map((p) => (p.packet.data as string[])[0]);
  assert.deepEqual(names("s1"), ["many", "room-and-except"]);
  assert.deepEqual(names("s2"), ["few"]);
  assert.deepEqual(names("s3"), ["few", "many"]);
});

test("broadcast to an unknown room reaches nobody and encodes nothing", () => {
  const { adapter, get, prepares } = setup(["s1"]);
  adapter.broadcast(event(["e"]), { rooms: new Set(["nope"]) });
  assert.equal(get("s1").written.length, 0);
  assert.equal(prepares(), 0);
});

test("broadcastWithAck picks one id free on every recipient and counts them", () => {
  const { adapter, get } = setup(["s1", "s2"]);
  get("s2").nextAckId = 5;
  let count = -1;
  const responses: unknown[] = [];
  adapter.broadcastWithAck(
    event(["q"]),
    { rooms: new Set() },
    (n) => {
      count = n;
    },
    (r) => responses.push(r),
  );
  assert.equal(count, 2);
  const id = get("s1").written[0]!.packet.id;
  assert.equal(id, 5);
  assert.equal(get("s1").nextAckId, 6);
  get("s1").acks.get(5)!("a");
  get("s2").acks.get(5)!("b");
  assert.deepEqual(responses, ["a", "b"]);
});

test("fetchSockets, sockets, socketRooms, addSockets, delSockets, disconnectSockets", async () => {
  const { adapter, get } = setup(["s1", "s2", "s3"]);
  adapter.addAll("s1", ["r"]);
  adapter.addAll("s2", ["r"]);
  assert.deepEqual([...(await adapter.sockets(new Set(["r"])))].sort(), ["s1", "s2"]);
  assert.deepEqual(
    (await adapter.fetchSockets({ rooms: new Set(["r"]), except: new Set(["s1"]) })).map((s) => s.id),
    ["s2"],
  );
  adapter.addSockets({ rooms: new Set(["r"]) }, ["j"]);
  assert.deepEqual([...adapter.rooms.get("j")!].sort(), ["s1", "s2"]);
  adapter.delSockets({ rooms: new Set() }, ["j", "r"]);
  assert.equal(adapter.rooms.has("j"), false);
  assert.deepEqual([...adapter.socketRooms("s1")!], ["s1"]);
  adapter.addAll("s3", ["d"]);
  adapter.disconnectSockets({ rooms: new Set(["d"]) }, false);
  assert.deepEqual(
    ["s1", "s2", "s3"].map((n) => get(n).disconnected),
    [false, false, true],
  );
  assert.equal(await adapter.serverCount(), 1);
});

test("recovery on: event broadcasts get an offset as last argument; acks and volatile do not", () => {
  const { adapter, get } = setup(["s1"], true);
  adapter.broadcast(event(["a", 1]), { rooms: new Set() });
  adapter.broadcast(event(["v"]), { rooms: new Set(), flags: { volatile: true } });
  adapter.broadcast({ type: SocketPacketType.EVENT, nsp: "/", id: 3, data: ["q"] }, { rooms: new Set() });
  const datas = get("s1").written.map((p) => p.packet.data as unknown[]);
  assert.equal(datas[0]!.length, 3);
  assert.equal(typeof datas[0]![2], "string");
  assert.deepEqual(datas[1], ["v"]);
  assert.deepEqual(datas[2], ["q"]);
});

test("persistSession / restoreSession returns the packets missed by the session's rooms", () => {
  const { adapter } = setup(["s1"], true);
  const first = event(["first"]);
  adapter.broadcast(first, { rooms: new Set() });
  const offset = (first.data as string[])[1]!;
  adapter.persistSession({ sid: "s1", pid: "p1", rooms: ["s1", "r"], data: { u: 1 } });
  adapter.broadcast(event(["to-r"]), { rooms: new Set(["r"]) });
  adapter.broadcast(event(["to-other"]), { rooms: new Set(["other"]) });
  adapter.broadcast(event(["except-r"]), { rooms: new Set(), except: new Set(["r"]) });
  adapter.broadcast(event(["to-me"]), { rooms: new Set(["s1"]) });
  const session = adapter.restoreSession("p1", offset);
  assert.ok(session !== null && !(session instanceof Promise));
  assert.equal(session.sid, "s1");
  assert.deepEqual(session.data, { u: 1 });
  assert.deepEqual(
    session.missedPackets.map((d) => d[0]),
    ["to-r", "to-me"],
  );
  // A session is restored once.
  assert.equal(adapter.restoreSession("p1", offset), null);
  assert.equal(adapter.restoreSession("unknown", offset), null);
});

test("serverSideEmit on a single node answers an ack with no responses", () => {
  const { adapter } = setup([]);
  let got: unknown[] | undefined;
  adapter.serverSideEmit(["hello", (_err: unknown, responses: unknown[]) => (got = responses)]);
  assert.deepEqual(got, []);
});

test("a socket alone in its own room shares one immutable set; changes swap in real sets", () => {
  const { adapter } = setup([]);
  const events: string[] = [];
  for (const ev of ["create-room", "join-room", "leave-room", "delete-room"] as const) {
    adapter.on(ev, (room: string, id?: string) => events.push(`${ev} ${room}${id ? ` ${id}` : ""}`));
  }
  adapter.addAll("a", ["a"]);
  assert.equal(adapter.rooms.get("a"), adapter.sids.get("a"));
  assert.deepEqual([...adapter.rooms.get("a")!], ["a"]);
  adapter.addAll("a", ["a"]);
  // Another socket joins the room named after "a".
  adapter.addAll("b", ["b", "a"]);
  assert.deepEqual([...adapter.rooms.get("a")!].sort(), ["a", "b"]);
  assert.deepEqual([...adapter.sids.get("a")!], ["a"]);
  // "a" joins another room: its room list becomes a real set.
  adapter.addAll("a", ["x"]);
  assert.deepEqual([...adapter.sids.get("a")!].sort(), ["a", "x"]);
  adapter.delAll("a");
  assert.deepEqual([...adapter.rooms.get("a")!], ["b"]);
  assert.equal(adapter.rooms.has("x"), false);
  // Leaving one's own room, then joining it again.
  adapter.addAll("c", ["c"]);
  adapter.del("c", "c");
  assert.equal(adapter.rooms.has("c"), false);
  assert.deepEqual([...adapter.sids.get("c")!], []);
  adapter.addAll("c", ["c"]);
  assert.deepEqual([...adapter.rooms.get("c")!], ["c"]);
  assert.deepEqual(events, [
    "create-room a",
    "join-room a a",
    "create-room b",
    "join-room b b",
    "join-room a b",
    "create-room x",
    "join-room x a",
    "leave-room a a",
    "leave-room x a",
    "delete-room x",
    "create-room c",
    "join-room c c",
    "leave-room c c",
    "delete-room c",
    "create-room c",
    "join-room c c",
  ]);
});
