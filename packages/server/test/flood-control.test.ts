/**
 * `maxEventsPerSecond` (flood control per socket, a token bucket): events over the rate are dropped before
 * any listener and the socket emits `error` (`ERR_EVENT_RATE_LIMITED`); the connection stays, and other
 * sockets keep their own budget. Raw protocol clients send the flood.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { deferred, rawConnect, startServer } from "./helpers.js";

const FLOOD = 50;

test("maxEventsPerSecond: a burst over the rate is dropped with an error event; the connection stays", async () => {
  await using s = await startServer({ maxEventsPerSecond: 1 });
  const delivered = new Map<string, number>();
  const dropped = new Map<string, string[]>();
  const settled = deferred<void>();
  const sockets = new Map<string, Socket>();
  s.io.on("connection", (socket) => {
    sockets.set(socket.id, socket);
    socket.on("ev", (_n: number, ack: (x: string) => void) => {
      delivered.set(socket.id, (delivered.get(socket.id) ?? 0) + 1);
      ack("ok");
      check(socket.id);
    });
    socket.on("error", (err: Error & { code?: string }) => {
      dropped.set(socket.id, [...(dropped.get(socket.id) ?? []), String(err.code)]);
      check(socket.id);
    });
  });
  let flooder = "";
  function check(id: string): void {
    if (id === flooder && (delivered.get(id) ?? 0) + (dropped.get(id)?.length ?? 0) === FLOOD)
      settled.resolve();
  }
  const a = await rawConnect(s.port);
  flooder = a.sid;
  for (let i = 0; i < FLOOD; i++) a.raw.send(`42${i}["ev",${i}]`);
  await settled.promise;
  const passed = delivered.get(a.sid) ?? 0;
  const refused = dropped.get(a.sid) ?? [];
  // One token per second (a full bucket of 1 at first): 50 events in far less than 40 s leave 40+ dropped.
  assert.ok(passed >= 1, `${passed} delivered`);
  assert.ok(refused.length >= 40, `${refused.length} dropped`);
  assert.deepEqual(new Set(refused), new Set(["ERR_EVENT_RATE_LIMITED"]));
  // The acks of the delivered events arrive (the first one: event 0), nothing closes the connection.
  assert.equal(await a.raw.next(), '430["ok"]');
  assert.equal(sockets.get(a.sid)!.connected, true);
  // Another client has its own bucket: its first event goes through at once.
  const b = await rawConnect(s.port);
  b.raw.send('420["ev",0]');
  assert.equal(await b.raw.next(), '430["ok"]');
  assert.equal(dropped.get(b.sid), undefined);
  a.raw.close();
  b.raw.close();
});

test("without maxEventsPerSecond every event of a burst is delivered", async () => {
  await using s = await startServer();
  const all = deferred<void>();
  let count = 0;
  s.io.on("connection", (socket) =>
    socket.on("ev", () => {
      if (++count === FLOOD) all.resolve();
    }),
  );
  const a = await rawConnect(s.port);
  for (let i = 0; i < FLOOD; i++) a.raw.send(`42["ev",${i}]`);
  await all.promise;
  assert.equal(count, FLOOD);
  a.raw.close();
});
