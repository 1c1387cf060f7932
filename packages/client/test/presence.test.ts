/**
 * The client's `Presence` helper (presence.ts): fed literal `presence_state` / `presence_diff` payloads on a
 * bare emitter (merging by `presence_ref`, counting by key, callbacks, bad payloads), then kept in sync by a
 * real `@plexus/server` through the Plexus client and through socket.io-client.
 */
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { io, Presence, type PresenceMeta } from "@plexus/client";
import { Server, type Socket as ServerSocket } from "@plexus/server";
import { io as officialIo } from "socket.io-client";

const m = (ref: string, fields: Record<string, unknown> = {}): PresenceMeta => ({
  ...fields,
  presence_ref: ref,
});

function fed(): { emitter: EventEmitter; presence: Presence; log: string[] } {
  const emitter = new EventEmitter();
  const presence = new Presence(emitter);
  const log: string[] = [];
  presence.onJoin((key, current, joined) =>
    log.push(`join ${key} ${current === undefined ? "new" : current.length} +${joined.length}`),
  );
  presence.onLeave((key, remaining, left) => log.push(`leave ${key} ${remaining.length} -${left.length}`));
  presence.onSync(() => log.push("sync"));
  return { emitter, presence, log };
}

test("a state, then diffs: metas merged by presence_ref, listed by key", () => {
  const { emitter, presence, log } = fed();
  assert.equal(presence.synced, false);
  emitter.emit("presence_diff", { joins: { early: [m("e")] }, leaves: {} });
  assert.deepEqual(presence.list(), [], "a diff before the state is dropped (the state includes it)");
  emitter.emit("presence_state", { u1: [m("a", { device: "web" })], u2: [m("b")] });
  assert.equal(presence.synced, true);
  emitter.emit("presence_diff", { joins: { u1: [m("c", { device: "phone" })] }, leaves: { u2: [m("b")] } });
  assert.deepEqual(
    presence.list((key, metas) => `${key}:${metas.length}`),
    ["u1:2"],
  );
  assert.deepEqual(
    presence.get("u1").map((meta) => meta.device),
    ["web", "phone"],
  );
  assert.deepEqual(log, [
    "join u1 new +1",
    "join u2 new +1",
    "sync",
    "join u1 1 +1",
    "leave u2 0 -1",
    "sync",
  ]);
});

test("two tabs with equal metas are two metas; one leaving leaves the other", () => {
  const { emitter, presence } = fed();
  emitter.emit("presence_state", { u1: [m("t1", { name: "Ada" }), m("t2", { name: "Ada" })] });
  emitter.emit("presence_diff", { joins: {}, leaves: { u1: [m("t1", { name: "Ada" })] } });
  assert.deepEqual(presence.list(), [{ key: "u1", metas: [m("t2", { name: "Ada" })] }]);
});

test("a duplicate join or an unknown leave changes nothing", () => {
  const { emitter, presence, log } = fed();
  emitter.emit("presence_state", { u1: [m("a")] });
  log.length = 0;
  emitter.emit("presence_diff", { joins: { u1: [m("a")] }, leaves: { u9: [m("z")], u1: [m("zz")] } });
  assert.deepEqual(log, ["sync"]);
  assert.equal(presence.list().length, 1);
});

test("a new state replaces the list: joins and leaves for the difference", () => {
  const { emitter, presence, log } = fed();
  emitter.emit("presence_state", { u1: [m("a")], u2: [m("b")] });
  log.length = 0;
  emitter.emit("presence_state", { u2: [m("b")], u3: [m("c")] });
  assert.deepEqual(log, ["join u3 new +1", "leave u1 0 -1", "sync"]);
  assert.deepEqual(
    presence.list((key) => key),
    ["u2", "u3"],
  );
});

test("malformed payloads are ignored; dispose stops listening", () => {
  const { emitter, presence } = fed();
  for (const bad of [null, 1, "x", [], { u1: "no" }, { u1: [{ noRef: true }, 5] }])
    emitter.emit("presence_state", bad);
  assert.deepEqual(presence.list(), []);
  emitter.emit("presence_state", { u1: [m("a")] });
  for (const bad of [null, { joins: 1 }, { joins: { u2: [{ presence_ref: 3 }] } }, { leaves: [] }])
    emitter.emit("presence_diff", bad);
  assert.deepEqual(
    presence.list((key) => key),
    ["u1"],
  );
  presence.dispose();
  emitter.emit("presence_state", {});
  assert.equal(emitter.listenerCount("presence_state"), 0);
  assert.equal(emitter.listenerCount("presence_diff"), 0);
});

test("kept in sync by a Plexus server, through the Plexus client and socket.io-client", async () => {
  const http = createServer();
  const server = new Server(http);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const lobby = server.presence("lobby");
  server.on("connection", (socket: ServerSocket) => {
    const { user, device } = socket.handshake.auth as { user: string; device: string };
    lobby.track(socket, user, { device }).catch(() => {});
  });
  const clients: Array<{ disconnect(): unknown }> = [];
  const join = (user: string, device: string, official = false): Presence => {
    const opts = {
      forceNew: true,
      reconnection: false,
      transports: ["websocket" as const],
      auth: { user, device },
    };
    const socket = official ? officialIo(url, opts) : io(url, opts);
    clients.push(socket);
    return new Presence(socket);
  };
  /** Resolves when `presence` lists exactly `expected` (key:count). */
  const until = (presence: Presence, expected: string[]): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        const now = presence.list((key, metas) => `${key}:${metas.length}`).sort();
        if (JSON.stringify(now) === JSON.stringify(expected)) resolve();
      };
      presence.onSync(check);
      check();
    });
  try {
    const ada = join("ada", "web");
    await until(ada, ["ada:1"]);
    const bob = join("bob", "phone", true);
    await until(ada, ["ada:1", "bob:1"]);
    await until(bob, ["ada:1", "bob:1"]);
    const adaPhone = join("ada", "phone", true);
    await until(adaPhone, ["ada:2", "bob:1"]);
    await until(bob, ["ada:2", "bob:1"]);
    await until(ada, ["ada:2", "bob:1"]);
    clients[1]!.disconnect();
    await until(ada, ["ada:2"]);
    await until(adaPhone, ["ada:2"]);
    clients[2]!.disconnect();
    await until(ada, ["ada:1"]);
    assert.deepEqual(
      ada.get("ada").map((meta) => meta.device),
      ["web"],
    );
  } finally {
    for (const c of clients) c.disconnect();
    await server.close();
  }
});
