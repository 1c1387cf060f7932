/**
 * Bad input never crashes the server and never disturbs other connections: malformed packets, unknown
 * namespaces, event floods before CONNECT, huge ack ids, deeply nested JSON, stray binary frames.
 * A healthy official client keeps doing ack round trips throughout.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { next, RawPolling, RawWebSocket, rawConnect, startServer } from "./helpers.js";

const MALFORMED = [
  "4abc",
  "49",
  "42{}",
  "42[]",
  '42["disconnect"]',
  '42["connect"]',
  '42abc["foo"]',
  "42[",
  "43",
  "45-[]",
  "451-",
  '4511-["x",{"_placeholder":true,"num":0}]',
  '451-["x",{"_placeholder":true,"num":5}]',
  "44{}",
  '42999999999999999999999999["x"]',
  `4${"[".repeat(50_000)}`,
  "",
  "8",
];

test("malformed packets close only the offending connection; others keep working", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => socket.on("echo", (v: unknown, ack: (x: unknown) => void) => ack(v)));
  const healthy = s.client("/", { transports: ["websocket"] });
  await next(healthy, "connect");
  for (const frame of MALFORMED) {
    const { raw } = await rawConnect(s.port);
    raw.send(frame);
    raw.send(Buffer.from([1, 2, 3]));
    const answer = await raw.nextOrClose();
    assert.equal(answer, "closed", `${frame.slice(0, 40)} → ${String(answer).slice(0, 40)}`);
    assert.equal(await healthy.emitWithAck("echo", frame.length), frame.length);
  }
  assert.equal(s.io.sockets.sockets.size, 1);
});

test("deeply nested JSON in an event is delivered or refused, never crashes", async () => {
  await using s = await startServer({ maxHttpBufferSize: 1e7 });
  const depths: number[] = [];
  s.io.on("connection", (socket) =>
    socket.on("deep", (value: unknown) => {
      let d = 0;
      let v = value;
      while (Array.isArray(v)) {
        d++;
        v = v[0];
      }
      depths.push(d);
    }),
  );
  const healthy = s.client("/", { transports: ["websocket"] });
  await next(healthy, "connect");
  const { raw } = await rawConnect(s.port);
  const depth = 100_000;
  raw.send(`42["deep",${"[".repeat(depth)}${"]".repeat(depth)}]`);
  // Deep binary placeholders are refused (the reconstruction is depth-bounded).
  raw.send(`451-["deep",${"[".repeat(2000)}{"_placeholder":true,"num":0}${"]".repeat(2000)}]`);
  raw.send(Buffer.from([1]));
  assert.equal(await raw.nextOrClose(), "closed");
  assert.ok(depths.length <= 1);
  healthy.on("x", () => {});
  assert.equal(s.io.sockets.sockets.size, 1);
});

test("event floods before CONNECT close the connection without reaching any handler", async () => {
  await using s = await startServer();
  let events = 0;
  s.io.on("connection", (socket) => socket.onAny(() => events++));
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  for (let i = 0; i < 1000; i++) raw.send(`42["flood",${i}]`);
  assert.equal(await raw.nextOrClose(), "closed");
  const p = new RawPolling(s.port);
  await p.open();
  await p.send(...Array.from({ length: 500 }, (_, i) => `42["flood",${i}]`));
  assert.equal(events, 0);
  const healthy = s.client();
  await next(healthy, "connect");
});

test("many invalid namespace CONNECTs are each refused and the connection stays usable", async () => {
  await using s = await startServer();
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  for (let i = 0; i < 200; i++) raw.send(`40/nope-${i},`);
  for (let i = 0; i < 200; i++)
    assert.equal(await raw.next(), `44/nope-${i},{"message":"Invalid namespace"}`);
  raw.send("40");
  assert.match((await raw.next()) as string, /^40\{"sid":/);
  assert.equal(s.io._nsps.size, 1);
  raw.close();
});

test("acks with huge, repeated or unknown ids are ignored", async () => {
  await using s = await startServer();
  const connected = next<[Socket]>(s.io, "connection");
  const { raw } = await rawConnect(s.port);
  const [socket] = await connected;
  for (const id of ["0", "1", "999999999999999", "123456789012345"]) raw.send(`43${id}["x"]`);
  socket.emit("still", 1);
  assert.equal(await raw.next(), '42["still",1]');
  raw.close();
});

test("fuzz: random Socket.IO-looking frames never crash the server nor disturb a healthy client", async () => {
  const fc = await import("fast-check");
  await using s = await startServer();
  s.io.of("/a");
  s.io.on("connection", (socket) => {
    socket.on("echo", (v: unknown, ack: (x: unknown) => void) => {
      if (typeof ack === "function") ack(v);
    });
  });
  const healthy = s.client("/", { transports: ["websocket"] });
  await next(healthy, "connect");
  const piece = fc.oneof(
    fc.constantFrom(
      "0",
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "9",
      "/a,",
      "/b,",
      "-",
      "1-",
      "12",
      "[",
      "]",
      "{",
      "}",
      ",",
    ),
    fc.json(),
    fc.string({ maxLength: 8 }),
  );
  const frame = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => `4${parts.join("")}`);
  const samples = fc.sample(
    fc.array(fc.oneof(frame, fc.uint8Array({ maxLength: 4 })), { minLength: 1, maxLength: 8 }),
    {
      numRuns: 60,
      seed: 42,
    },
  );
  for (const frames of samples) {
    const { raw } = await rawConnect(s.port);
    for (const f of frames) raw.send(typeof f === "string" ? f : Buffer.from(f));
    raw.send("41");
    raw.close();
    await raw.closed;
  }
  assert.equal(await healthy.emitWithAck("echo", "still fine"), "still fine");
});

test('a client event named "error" does not crash the server (no error listener)', async () => {
  await using s = await startServer();
  const connected = next<[Socket]>(s.io, "connection");
  const { raw } = await rawConnect(s.port);
  const [socket] = await connected;
  socket.on("ping-me", (ack: () => void) => ack());
  raw.send('42["error","boom"]');
  raw.send('42["error"]');
  raw.send('421["error",{}]');
  // Frames of one connection are handled in order: the ack proves the error events went through.
  raw.send('4213["ping-me"]');
  assert.equal(await raw.nextOrClose(), "4313[]");
  raw.close();
});
