/**
 * Presence on one node (`io.presence(room)`, presence.ts) through official socket.io-client sockets: the
 * state a tracked socket gets, the diffs the room's other sockets get, join/leave events, implicit untracking
 * (leaving the room, disconnecting), the limits and their error codes, and the answer for a foreign adapter.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type PresenceDiff,
  PresenceErrorCodes,
  type PresenceMeta,
  type PresenceState,
  ServerErrorCodes,
  type Socket,
} from "@plexus/server";
import { Adapter } from "socket.io-adapter";
import type { Socket as ClientSocket } from "socket.io-client";
import { next, rawConnect, startServer, type TestServer } from "./helpers.js";

async function connect(s: TestServer, nsp = "/"): Promise<{ client: ClientSocket; socket: Socket }> {
  const connected = next<[Socket]>(s.io.of(nsp), "connection");
  const client = s.client(nsp, { transports: ["websocket"] });
  const [socket] = await connected;
  await next(client, "connect");
  return { client, socket };
}

/** The metas of a state without their refs (random), for comparisons. */
function plain(state: PresenceState): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const key of Object.keys(state)) {
    Object.defineProperty(out, key, {
      value: state[key]!.map(({ presence_ref: _ref, ...rest }) => rest),
      enumerable: true,
    });
  }
  return out;
}

/** Every `presence_diff` a client receives, taken in order by the returned function. */
function diffs(client: ClientSocket): () => Promise<PresenceDiff> {
  const queued: PresenceDiff[] = [];
  const waiting: Array<(diff: PresenceDiff) => void> = [];
  client.on("presence_diff", (diff: PresenceDiff) => {
    const waiter = waiting.shift();
    if (waiter === undefined) queued.push(diff);
    else waiter(diff);
  });
  return () => {
    const diff = queued.shift();
    return diff === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(diff);
  };
}

/** Events the client receives, in order. */
function recorder(client: ClientSocket): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  client.onAny((ev: string, arg: unknown) => seen.push([ev, arg]));
  return seen;
}

test("io.presence(room) is the same object each time, per namespace", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  assert.equal(s.io.presence("lobby"), lobby);
  assert.equal(s.io.of("/").presence("lobby"), lobby);
  assert.equal(s.io.presence("lobby", { maxMetasPerKey: 32 }), lobby, "same options: same object");
  const chat = s.io.of("/chat").presence("lobby");
  assert.notEqual(chat, lobby);
  assert.equal(s.io.of("/chat").presence("lobby"), chat);
  assert.throws(
    () => s.io.presence("lobby", { maxMetasPerKey: 2 }),
    (err: Error & { code?: string }) => err.code === ServerErrorCodes.INVALID_ARGUMENT,
  );
  assert.throws(
    () => s.io.presence("other", { maxMetaBytes: 0 }),
    (err: Error & { code?: string }) => err.code === ServerErrorCodes.INVALID_ARGUMENT,
  );
  assert.throws(
    () => s.io.presence(""),
    (err: Error & { code?: string }) => err.code === ServerErrorCodes.INVALID_ARGUMENT,
  );
});

test("track: the socket joins the room, gets presence_state with itself, and a join is raised", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const joins: Array<[string, PresenceMeta]> = [];
  lobby.on("join", (key, meta) => joins.push([key, meta]));
  const { client, socket } = await connect(s);
  const state = next<[PresenceState]>(client, "presence_state");
  await lobby.track(socket, "u1", { name: "Ada", device: "web" });
  assert.ok(socket.rooms.has("lobby"));
  const [received] = await state;
  assert.deepEqual(plain(received), { u1: [{ name: "Ada", device: "web" }] });
  const ref = received.u1![0]!.presence_ref;
  assert.equal(typeof ref, "string");
  assert.equal(joins.length, 1);
  assert.equal(joins[0]![0], "u1");
  assert.deepEqual(joins[0]![1], { name: "Ada", device: "web", presence_ref: ref });
  assert.deepEqual(await lobby.list(), received);
  assert.ok(lobby.isTracked(socket));
});

test("two tabs of one user: one key with two metas; the room's other sockets get a join diff, never their own", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const tab1 = await connect(s);
  const tab2 = await connect(s);
  const first = next<[PresenceState]>(tab1.client, "presence_state");
  await lobby.track(tab1.socket, "u1", { device: "tab1" });
  await first;
  const seen1 = recorder(tab1.client);
  const seen2 = recorder(tab2.client);
  const diff = next<[PresenceDiff]>(tab1.client, "presence_diff");
  const second = next<[PresenceState]>(tab2.client, "presence_state");
  await lobby.track(tab2.socket, "u1", { device: "tab2" });
  const [state] = await second;
  assert.deepEqual(plain(state), { u1: [{ device: "tab1" }, { device: "tab2" }] });
  const [d] = await diff;
  assert.deepEqual(plain(d.joins), { u1: [{ device: "tab2" }] });
  assert.deepEqual(d.leaves, {});
  assert.deepEqual(Object.keys(await lobby.list()), ["u1"], "counted by key");
  // Each socket got exactly one presence event for this: tab1 the diff, tab2 its state.
  const marker1 = next(tab1.client, "marker");
  const marker2 = next(tab2.client, "marker");
  s.io.to("lobby").emit("marker");
  await Promise.all([marker1, marker2]);
  assert.deepEqual(
    seen1.map(([ev]) => ev),
    ["presence_diff", "marker"],
  );
  assert.deepEqual(
    seen2.map(([ev]) => ev),
    ["presence_state", "marker"],
  );
});

test("untrack: a leave event and a diff for the others; the socket stays in the room and gets no leave for itself", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const a = await connect(s);
  const b = await connect(s);
  const diffOfA = diffs(a.client);
  await lobby.track(a.socket, "ua", { n: 1 });
  const stateOfB = next(b.client, "presence_state");
  await lobby.track(b.socket, "ub", { n: 2 });
  await stateOfB;
  assert.deepEqual(Object.keys((await diffOfA()).joins), ["ub"]);
  const leaves: string[] = [];
  lobby.on("leave", (key) => leaves.push(key));
  const seenB = recorder(b.client);
  assert.equal(lobby.untrack(b.socket), true);
  assert.equal(lobby.untrack(b.socket), false, "twice: nothing to do");
  const d = await diffOfA();
  assert.deepEqual(plain(d.leaves), { ub: [{ n: 2 }] });
  assert.deepEqual(leaves, ["ub"]);
  assert.ok(b.socket.rooms.has("lobby"));
  assert.deepEqual(plain(await lobby.list()), { ua: [{ n: 1 }] });
  const marker = next(b.client, "marker");
  s.io.to("lobby").emit("marker");
  await marker;
  assert.deepEqual(
    seenB.map(([ev]) => ev),
    ["marker"],
  );
});

test("leaving the room or disconnecting untracks the socket", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const a = await connect(s);
  const b = await connect(s);
  const c = await connect(s);
  const diffOfA = diffs(a.client);
  await lobby.track(a.socket, "ua");
  await lobby.track(b.socket, "ub");
  await lobby.track(c.socket, "uc");
  assert.deepEqual(Object.keys((await diffOfA()).joins), ["ub"]);
  assert.deepEqual(Object.keys((await diffOfA()).joins), ["uc"]);
  const leaves: string[] = [];
  lobby.on("leave", (key) => leaves.push(key));
  await b.socket.leave("lobby");
  assert.deepEqual(Object.keys((await diffOfA()).leaves), ["ub"]);
  assert.equal(lobby.isTracked(b.socket), false);
  c.client.disconnect();
  assert.deepEqual(Object.keys((await diffOfA()).leaves), ["uc"]);
  assert.deepEqual(leaves, ["ub", "uc"]);
  assert.deepEqual(Object.keys(await lobby.list()), ["ua"]);
});

test("a socket untracked again can be tracked again, with a new ref and a fresh state", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const a = await connect(s);
  let state = next<[PresenceState]>(a.client, "presence_state");
  await lobby.track(a.socket, "ua", { status: "online" });
  const ref1 = (await state)[0].ua![0]!.presence_ref;
  lobby.untrack(a.socket);
  state = next<[PresenceState]>(a.client, "presence_state");
  await lobby.track(a.socket, "ua", { status: "away" });
  const [second] = await state;
  assert.deepEqual(plain(second), { ua: [{ status: "away" }] });
  assert.notEqual(second.ua![0]!.presence_ref, ref1);
});

test("bad input is refused with a stable code and nothing is tracked", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby", { maxMetasPerKey: 2, maxMetaBytes: 64, maxKeyLength: 8 });
  const { socket } = await connect(s);
  const refused = async (code: string, run: () => Promise<void>): Promise<void> => {
    await assert.rejects(run, (err: Error & { code?: string }) => {
      assert.equal(err.code, code, err.message);
      assert.equal(err.name, "PresenceError");
      return true;
    });
  };
  await refused(PresenceErrorCodes.INVALID_KEY, () => lobby.track(socket, ""));
  await refused(PresenceErrorCodes.INVALID_KEY, () => lobby.track(socket, "123456789"));
  await refused(PresenceErrorCodes.INVALID_KEY, () => lobby.track(socket, null as unknown as string));
  await refused(PresenceErrorCodes.INVALID_KEY, () => lobby.track(socket, Number.NaN));
  await refused(PresenceErrorCodes.INVALID_META, () => lobby.track(socket, "u", [] as unknown as object));
  await refused(PresenceErrorCodes.INVALID_META, () => lobby.track(socket, "u", "x" as unknown as object));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await refused(PresenceErrorCodes.INVALID_META, () => lobby.track(socket, "u", cyclic));
  await refused(PresenceErrorCodes.INVALID_META, () => lobby.track(socket, "u", { presence_ref: "mine" }));
  await refused(PresenceErrorCodes.META_TOO_LARGE, () => lobby.track(socket, "u", { text: "x".repeat(64) }));
  assert.deepEqual(await lobby.list(), {});
  assert.equal(lobby.isTracked(socket), false);
  assert.equal(socket.rooms.has("lobby"), false, "a refused track does not join the room");
  await lobby.track(socket, 42, { ok: true });
  assert.deepEqual(Object.keys(await lobby.list()), ["42"], "a number key is its decimal string");
  await refused(PresenceErrorCodes.ALREADY_TRACKED, () => lobby.track(socket, "42"));
});

test("the metas of one key are capped (maxMetasPerKey)", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby", { maxMetasPerKey: 2 });
  const tabs = [await connect(s), await connect(s), await connect(s)];
  await lobby.track(tabs[0]!.socket, "u1");
  await lobby.track(tabs[1]!.socket, "u1");
  await assert.rejects(lobby.track(tabs[2]!.socket, "u1"), { code: PresenceErrorCodes.TOO_MANY_METAS });
  await lobby.track(tabs[2]!.socket, "u2");
  const list = await lobby.list();
  assert.equal(list.u1!.length, 2);
  assert.equal(list.u2!.length, 1);
});

test("a disconnected socket, or one of another namespace, cannot be tracked", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const a = await connect(s);
  const other = await connect(s, "/chat");
  await assert.rejects(lobby.track(other.socket, "u"), { code: PresenceErrorCodes.NOT_CONNECTED });
  const gone = next(a.socket, "disconnect");
  a.client.disconnect();
  await gone;
  await assert.rejects(lobby.track(a.socket, "u"), { code: PresenceErrorCodes.NOT_CONNECTED });
  assert.deepEqual(await lobby.list(), {});
});

test("a key named __proto__ is an ordinary key", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  const { client, socket } = await connect(s);
  const state = next<[PresenceState]>(client, "presence_state");
  await lobby.track(socket, "__proto__", { x: 1 });
  const [received] = await state;
  assert.deepEqual(Object.keys(received), ["__proto__"]);
  assert.deepEqual(Object.keys(await lobby.list()), ["__proto__"]);
});

test("namespaces are separate: /chat's lobby does not see /'s", async () => {
  await using s = await startServer();
  const main = await connect(s);
  const chat = await connect(s, "/chat");
  await s.io.presence("lobby").track(main.socket, "u-main");
  await s.io.of("/chat").presence("lobby").track(chat.socket, "u-chat");
  assert.deepEqual(Object.keys(await s.io.presence("lobby").list()), ["u-main"]);
  assert.deepEqual(Object.keys(await s.io.of("/chat").presence("lobby").list()), ["u-chat"]);
});

test("with an official socket.io-adapter, presence() fails with ERR_PRESENCE_UNSUPPORTED", async () => {
  await using s = await startServer({ adapter: Adapter });
  assert.throws(
    () => s.io.presence("lobby"),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, PresenceErrorCodes.UNSUPPORTED);
      assert.match(err.message, /Plexus adapter/);
      return true;
    },
  );
});

test("on the wire: presence_state and presence_diff are ordinary EVENT packets (42[...])", async () => {
  await using s = await startServer();
  const lobby = s.io.presence("lobby");
  s.io.on("connection", (socket) => {
    lobby.track(socket, socket.handshake.auth.user ?? "anon", { n: 1 }).catch(() => {});
  });
  const first = await rawConnect(s.port);
  const state = (await first.raw.next()) as string;
  const [, ref] = /"presence_ref":"([^"]+)"/.exec(state) ?? [];
  assert.equal(state, `42["presence_state",{"anon":[{"n":1,"presence_ref":"${ref}"}]}]`);
  const second = await rawConnect(s.port);
  const secondState = (await second.raw.next()) as string;
  const refs = [...secondState.matchAll(/"presence_ref":"([^"]+)"/g)].map((m) => m[1]);
  const ref2 = refs[1];
  assert.deepEqual(refs[0], ref);
  assert.match(
    secondState,
    /^42\["presence_state",\{"anon":\[\{"n":1,"presence_ref":"[^"]+"\},\{"n":1,"presence_ref":"[^"]+"\}\]\}\]$/,
  );
  assert.equal(
    await first.raw.next(),
    `42["presence_diff",{"joins":{"anon":[{"n":1,"presence_ref":"${ref2}"}]},"leaves":{}}]`,
  );
  second.raw.close();
  assert.equal(
    await first.raw.next(),
    `42["presence_diff",{"joins":{},"leaves":{"anon":[{"n":1,"presence_ref":"${ref2}"}]}}]`,
  );
  first.raw.close();
});
