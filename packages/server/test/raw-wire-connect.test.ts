/**
 * PROTOCOL.md §B3 on the wire, with exact strings: CONNECT with and without auth, namespaces with and
 * without the trailing comma, invalid namespace, middleware refusal, `41`, connectTimeout, and the
 * packets that must close the connection.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deferred, next, RawPolling, RawWebSocket, rawConnect, startServer } from "./helpers.js";

const SID = /^[A-Za-z0-9_-]{20}$/;

test('CONNECT without payload: 40{"sid"} with only sid, auth is {}', async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send("40");
  const reply = (await raw.next()) as string;
  assert.match(reply, /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
  assert.deepEqual(Object.keys(JSON.parse(reply.slice(2))), ["sid"]);
  assert.equal(await raw.next(), '42["auth",{}]');
  raw.close();
});

test("CONNECT with auth payload exposes it as handshake.auth", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send('40{"token":"123"}');
  assert.match((await raw.next()) as string, /^40\{"sid":/);
  assert.equal(await raw.next(), '42["auth",{"token":"123"}]');
  raw.close();
});

test("the socket id is fresh per namespace and never the engine sid", async () => {
  await using s = await startServer();
  s.io.of("/custom");
  const raw = new RawWebSocket(s.port);
  const open = await raw.opened();
  const engineSid = JSON.parse(open.slice(1)).sid;
  raw.send("40");
  const main = JSON.parse(((await raw.next()) as string).slice(2)).sid;
  raw.send("40/custom,");
  const custom = (await raw.next()) as string;
  assert.match(custom, /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
  const customSid = JSON.parse(custom.slice("40/custom,".length)).sid;
  assert.match(main, SID);
  assert.notEqual(main, engineSid);
  assert.notEqual(customSid, engineSid);
  assert.notEqual(customSid, main);
  raw.close();
});

test("namespace without trailing comma (40/custom) is accepted; the reply has the comma", async () => {
  await using s = await startServer();
  s.io.of("/custom");
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send("40/custom");
  assert.match((await raw.next()) as string, /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
  raw.close();
});

test('unknown namespace: 44/random,{"message":"Invalid namespace"} and the connection stays', async () => {
  await using s = await startServer();
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send("40/random");
  assert.equal(await raw.next(), '44/random,{"message":"Invalid namespace"}');
  raw.send("40");
  assert.match((await raw.next()) as string, /^40\{"sid":/);
  raw.close();
});

test("middleware refusal: 44 with message and data; no data key when unset", async () => {
  await using s = await startServer();
  s.io.use((socket, nextFn) => {
    const err = new Error("not authorized") as Error & { data?: unknown };
    if (socket.handshake.auth.withData === true) err.data = { content: "retry later" };
    nextFn(err);
  });
  let connections = 0;
  s.io.on("connection", () => connections++);
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send('40{"withData":true}');
  assert.equal(await raw.next(), '44{"message":"not authorized","data":{"content":"retry later"}}');
  raw.send("40");
  assert.equal(await raw.next(), '44{"message":"not authorized"}');
  assert.equal(connections, 0);
  raw.close();
});

test("41 leaves one namespace only; the engine connection stays and can join again", async () => {
  await using s = await startServer();
  const reason = deferred<string>();
  s.io.of("/custom").on("connection", (socket) => socket.on("disconnect", (r) => reason.resolve(r)));
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send("40");
  await raw.next();
  raw.send("40/custom,");
  await raw.next();
  raw.send("41/custom,");
  assert.equal(await reason.promise, "client namespace disconnect");
  assert.equal(s.io.of("/custom").sockets.size, 0);
  assert.equal(s.io.sockets.sockets.size, 1);
  raw.send("41");
  raw.send("40/custom,");
  assert.match((await raw.next()) as string, /^40\/custom,\{"sid":/);
  raw.close();
});

test("41 of the last namespace keeps the engine connection (the next frame is the ping)", async () => {
  await using s = await startServer({ pingInterval: 50, pingTimeout: 1000 });
  const { raw } = await rawConnect(s.port);
  const left = deferred<string>();
  for (const socket of s.io.sockets.sockets.values()) socket.on("disconnect", (r) => left.resolve(r));
  raw.send("41");
  assert.equal(await left.promise, "client namespace disconnect");
  const ping = new Promise<string>((resolve) => raw.ws.on("message", (d: Buffer) => resolve(d.toString())));
  assert.equal(await ping, "2");
  assert.equal(raw.ws.readyState, raw.ws.OPEN);
  assert.equal(s.io.engine.clientsCount, 1);
  assert.equal(s.io.sockets.sockets.size, 0);
  raw.close();
});

test("connectTimeout: no CONNECT in time closes the engine connection", async () => {
  await using s = await startServer({ connectTimeout: 100 });
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  assert.equal(await raw.nextOrClose(), "closed");
});

test("connectTimeout does not close a connection that joined a namespace", async () => {
  await using s = await startServer({ connectTimeout: 100, pingInterval: 300, pingTimeout: 1000 });
  const { raw } = await rawConnect(s.port);
  // The next thing to happen is the ping (answered by the helper) and then a server emit we trigger.
  const [socket] = [...s.io.sockets.sockets.values()];
  await new Promise<void>((resolve) => raw.ws.once("message", () => resolve()));
  socket!.emit("still-here");
  assert.equal(await raw.next(), '42["still-here"]');
  raw.close();
});

for (const [name, frame] of [
  ["unknown packet type", "9"],
  ["garbage type", "abc"],
  ["event payload not an array", "2{}"],
  ["empty event array", "2[]"],
  ["reserved event name", '2["disconnect"]'],
  ["invalid JSON after ack id", '2abc["foo"]'],
  ["ack without array", "3{}"],
  ["illegal attachments", "5abc"],
  ["CONNECT_ERROR from the client", '4{"message":"x"}'],
] as const) {
  test(`invalid packet closes the connection: ${name} (4${frame})`, async () => {
    await using s = await startServer();
    const reason = deferred<string>();
    s.io.on("connection", (socket) => socket.on("disconnect", (r) => reason.resolve(r)));
    const { raw } = await rawConnect(s.port);
    raw.send(`4${frame}`);
    assert.equal(await raw.nextOrClose(), "closed");
    assert.equal(typeof (await reason.promise), "string");
  });
}

test("first packet not CONNECT closes the connection", async () => {
  await using s = await startServer();
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send('42["hello"]');
  assert.equal(await raw.nextOrClose(), "closed");
});

test("duplicate CONNECT for a joined namespace closes the connection", async () => {
  await using s = await startServer();
  const reason = deferred<string>();
  s.io.on("connection", (socket) => socket.on("disconnect", (r) => reason.resolve(r)));
  const { raw } = await rawConnect(s.port);
  raw.send("40");
  assert.equal(await raw.nextOrClose(), "closed");
  assert.equal(await reason.promise, "forced server close");
});

test("a packet for a namespace not joined closes the connection", async () => {
  await using s = await startServer();
  s.io.of("/custom");
  const { raw } = await rawConnect(s.port);
  raw.send('42/custom,["hello"]');
  assert.equal(await raw.nextOrClose(), "closed");
});

test("server-side socket.disconnect() sends 41 and keeps the connection; disconnect(true) closes it", async () => {
  await using s = await startServer();
  s.io.of("/custom");
  const { raw } = await rawConnect(s.port);
  raw.send("40/custom,");
  await raw.next();
  const [custom] = [...s.io.of("/custom").sockets.values()];
  custom!.disconnect();
  assert.equal(await raw.next(), "41/custom,");
  const [main] = [...s.io.sockets.sockets.values()];
  main!.disconnect(true);
  assert.equal(await raw.next(), "41");
  assert.equal(await raw.nextOrClose(), "closed");
});

test("polling: CONNECT, event and ack over raw HTTP long-polling", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => {
    socket.on("hello", (a: unknown, ack: (v: unknown) => void) => ack({ got: a }));
  });
  const p = new RawPolling(s.port);
  const open = await p.open();
  assert.match(open, /^0\{"sid":/);
  assert.deepEqual(JSON.parse(open.slice(1)).upgrades, ["websocket"]);
  assert.equal((await p.send("40")).body, "ok");
  const [reply] = await p.pollMessages();
  assert.match(reply!, /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
  await p.send('4212["hello","x"]');
  assert.deepEqual(await p.pollMessages(), ['4312[{"got":"x"}]']);
});

test("polling: invalid namespace answer, then a second namespace in one POST", async () => {
  await using s = await startServer();
  s.io.of("/a");
  const p = new RawPolling(s.port);
  await p.open();
  await p.send("40/random,", "40/a,");
  const records: string[] = [];
  while (records.length < 2) records.push(...(await p.pollMessages()));
  assert.equal(records[0], '44/random,{"message":"Invalid namespace"}');
  assert.match(records[1]!, /^40\/a,\{"sid":/);
});

test("events before CONNECT over polling close the session (later requests get 400)", async () => {
  await using s = await startServer();
  const p = new RawPolling(s.port);
  await p.open();
  await p.send('42["flood"]', '42["flood"]', '42["flood"]');
  const records = await p.poll();
  assert.ok(records[0] === "1" || records[0]!.startsWith("HTTP 400") || records[0] === "6", records[0]);
  const after = await p.poll();
  assert.match(after[0]!, /^HTTP 400/);
  void next;
});
