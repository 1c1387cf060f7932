/**
 * PROTOCOL.md §B2, §B4, §B5 on the wire: events and acks with ids (both directions), at most once,
 * unknown ack ids, binary events and acks with nested attachments over WebSocket and polling, and
 * connection state recovery (`pid`, offsets, replay before the CONNECT reply).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deferred, RawPolling, RawWebSocket, rawConnect, startServer } from "./helpers.js";

test("client event with ack id: 2456[...] answered by 3456[...]", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) =>
    socket.on("sum", (a: number, b: number, ack: (n: number) => void) => ack(a + b)),
  );
  const { raw } = await rawConnect(s.port);
  raw.send('42456["sum",1,2]');
  assert.equal(await raw.next(), "43456[3]");
  raw.close();
});

test("acks of a custom namespace carry the namespace: 3/admin,13[...]", async () => {
  await using s = await startServer();
  s.io.of("/admin").on("connection", (socket) => socket.on("q", (ack: (v: string) => void) => ack("bar")));
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send("40/admin,");
  await raw.next();
  raw.send('42/admin,13["q"]');
  assert.equal(await raw.next(), '43/admin,13["bar"]');
  raw.close();
});

test("an ack is sent at most once", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) =>
    socket.on("twice", (ack: (v: number) => void) => {
      ack(1);
      ack(2);
      socket.emit("after");
    }),
  );
  const { raw } = await rawConnect(s.port);
  raw.send('427["twice"]');
  assert.equal(await raw.next(), "437[1]");
  assert.equal(await raw.next(), '42["after"]');
  raw.close();
});

test("server acks use ids 0, 1, 2 per socket; the client's answer calls the callback", async () => {
  await using s = await startServer();
  const answers: unknown[] = [];
  const done = deferred();
  s.io.on("connection", (socket) => {
    for (let i = 0; i < 3; i++) {
      socket.emit("question", i, (answer: unknown) => {
        answers.push(answer);
        if (answers.length === 3) done.resolve();
      });
    }
  });
  const { raw } = await rawConnect(s.port);
  assert.equal(await raw.next(), '420["question",0]');
  assert.equal(await raw.next(), '421["question",1]');
  assert.equal(await raw.next(), '422["question",2]');
  raw.send('432["c"]');
  raw.send('430["a"]');
  raw.send('431["b"]');
  await done.promise;
  assert.deepEqual(answers, ["c", "a", "b"]);
  raw.close();
});

test("unknown and repeated ack ids are ignored; huge ack ids too", async () => {
  await using s = await startServer();
  let calls = 0;
  s.io.on("connection", (socket) => {
    socket.emit("q", () => calls++);
    socket.on("ping-me", () => socket.emit("pong-you", calls));
  });
  const { raw } = await rawConnect(s.port);
  assert.equal(await raw.next(), '420["q"]');
  raw.send("430[]");
  raw.send("430[]");
  raw.send("4399[]");
  raw.send("4399999999999999[]");
  raw.send('42["ping-me"]');
  assert.equal(await raw.next(), '42["pong-you",1]');
  raw.close();
});

test("an ack id over 15 digits closes the connection (not a safe integer)", async () => {
  await using s = await startServer();
  const { raw } = await rawConnect(s.port);
  raw.send('421234567890123456["x"]');
  assert.equal(await raw.nextOrClose(), "closed");
});

test("binary event over WebSocket: nested attachments in, binary ack out", async () => {
  await using s = await startServer();
  const got = deferred<unknown[]>();
  s.io.on("connection", (socket) =>
    socket.on("bin", (payload: unknown, ack: (...a: unknown[]) => void) => {
      got.resolve([payload]);
      ack({ echo: [Buffer.from([9, 8])] }, "text");
    }),
  );
  const { raw } = await rawConnect(s.port);
  raw.send('452-7["bin",{"a":{"_placeholder":true,"num":0},"list":[1,{"_placeholder":true,"num":1}]}]');
  raw.send(Buffer.from([1, 2, 3]));
  raw.send(Buffer.from([4]));
  const [payload] = await got.promise;
  const p = payload as { a: Buffer; list: [number, Buffer] };
  assert.ok(Buffer.isBuffer(p.a));
  assert.deepEqual([...p.a], [1, 2, 3]);
  assert.deepEqual([...p.list[1]], [4]);
  assert.equal(await raw.next(), '461-7[{"echo":[{"_placeholder":true,"num":0}]},"text"]');
  const att = (await raw.next()) as Buffer;
  assert.deepEqual([...att], [9, 8]);
  raw.close();
});

test("binary event from the server over WebSocket: header then attachments in order", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) =>
    socket.emit(
      "files",
      Buffer.from([1]),
      { nested: [new Uint8Array([2, 3]).buffer] },
      new Uint16Array([258]),
    ),
  );
  const { raw } = await rawConnect(s.port);
  assert.equal(
    await raw.next(),
    '453-["files",{"_placeholder":true,"num":0},{"nested":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":2}]',
  );
  assert.deepEqual([...((await raw.next()) as Buffer)], [1]);
  assert.deepEqual([...((await raw.next()) as Buffer)], [2, 3]);
  assert.deepEqual([...((await raw.next()) as Buffer)], [2, 1]);
  raw.close();
});

test("binary over polling: attachments travel as b<base64> records, both ways", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) =>
    socket.on("bin", (data: Buffer, ack: (b: Buffer) => void) => ack(Buffer.from([...data].reverse()))),
  );
  const p = new RawPolling(s.port);
  await p.open();
  await p.send("40");
  await p.pollMessages();
  await p.send('451-3["bin",{"_placeholder":true,"num":0}]', "bAQIDBA==");
  const records: string[] = [];
  while (records.length < 2) records.push(...(await p.pollMessages()));
  assert.deepEqual(records, ['461-3[{"_placeholder":true,"num":0}]', "bBAMCAQ=="]);
});

test("a binary frame without a pending binary packet closes the connection", async () => {
  await using s = await startServer();
  const { raw } = await rawConnect(s.port);
  raw.send(Buffer.from([1, 2]));
  assert.equal(await raw.nextOrClose(), "closed");
});

test("recovery: 40 reply has sid and pid; events carry an offset; replay comes before the reply", async () => {
  await using s = await startServer({ connectionStateRecovery: {} });
  const first = new RawWebSocket(s.port);
  await first.opened();
  first.send("40");
  const reply = JSON.parse(((await first.next()) as string).slice(2));
  assert.deepEqual(Object.keys(reply), ["sid", "pid"]);
  const [socket] = [...s.io.sockets.sockets.values()];
  socket!.join("room");
  s.io.emit("welcome", false);
  const welcome = (await first.next()) as string;
  const m = /^42\["welcome",false,"([^"]+)"\]$/.exec(welcome);
  assert.ok(m, welcome);
  const offset = m![1]!;
  // Ack-requesting and volatile events get no offset.
  socket!.emit("q", () => {});
  assert.equal(await first.next(), '420["q"]');

  const gone = deferred<string>();
  socket!.on("disconnect", (r) => gone.resolve(r));
  first.ws.terminate();
  assert.equal(await gone.promise, "transport close");
  s.io.to("room").emit("missed", 1);
  s.io.to("other").emit("not-for-you");
  s.io.emit("missed", 2);

  const second = new RawWebSocket(s.port);
  await second.opened();
  second.send(`40{"pid":"${reply.pid}","offset":"${offset}"}`);
  assert.match((await second.next()) as string, /^42\["missed",1,"[^"]+"\]$/);
  assert.match((await second.next()) as string, /^42\["missed",2,"[^"]+"\]$/);
  assert.equal(await second.next(), `40{"sid":"${reply.sid}","pid":"${reply.pid}"}`);
  const [recovered] = [...s.io.sockets.sockets.values()];
  assert.equal(recovered!.recovered, true);
  assert.ok(recovered!.rooms.has("room"));
  second.close();
});

test("recovery: unknown pid or offset gives a fresh socket", async () => {
  await using s = await startServer({ connectionStateRecovery: {} });
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send('40{"pid":"nope","offset":"nope"}');
  const reply = JSON.parse(((await raw.next()) as string).slice(2));
  assert.notEqual(reply.sid, undefined);
  assert.notEqual(reply.pid, "nope");
  const [socket] = [...s.io.sockets.sockets.values()];
  assert.equal(socket!.recovered, false);
  raw.close();
});

test("volatile packets are dropped while the transport cannot write; others are queued", async () => {
  await using s = await startServer();
  const p = new RawPolling(s.port);
  await p.open();
  await p.send("40");
  await p.pollMessages();
  const [socket] = [...s.io.sockets.sockets.values()];
  // No GET is pending: the polling transport is not writable.
  socket!.volatile.emit("dropped", 1);
  s.io.volatile.emit("dropped", 2);
  socket!.emit("kept", 3);
  s.io.volatile.emit("dropped", 4);
  assert.deepEqual(await p.pollMessages(), ['42["kept",3]']);
});

test("an event read together with the client's DISCONNECT reaches catch-all listeners, not its handler", async () => {
  await using s = await startServer();
  const seen: string[] = [];
  const gone = deferred<string>();
  s.io.on("connection", (socket) => {
    socket.onAny((event: string) => seen.push(`any:${event}`));
    socket.on("ev", () => seen.push("handler"));
    socket.on("disconnect", (reason) => gone.resolve(reason));
  });
  const p = new RawPolling(s.port);
  await p.open();
  await p.send("40");
  await p.pollMessages();
  // One POST body: the event and the DISCONNECT are read in one go.
  await p.send('42["ev"]', "41");
  assert.equal(await gone.promise, "client namespace disconnect");
  // Socket.IO hands events to their handlers a tick later, and only while the socket is connected.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, ["any:ev"]);
});

test("volatile over polling: dropped once the pending poll is answered in this batch (engine.io's writable)", async () => {
  await using s = await startServer();
  // A middleware sees every polling request; once `next()` returns, a GET is held by the session.
  let held = deferred();
  s.io.engine.use((req, _res, next) => {
    next();
    if (req.method === "GET" && req.url?.includes("sid=")) held.resolve();
  });
  const p = new RawPolling(s.port);
  await p.open();
  await p.send("40");
  await p.pollMessages();
  const [socket] = [...s.io.sockets.sockets.values()];
  held = deferred();
  const answered = p.poll();
  await held.promise;
  socket!.emit("a");
  socket!.volatile.emit("b");
  s.io.volatile.emit("c");
  socket!.emit("d");
  const records = await answered;
  const rest = records.includes('42["d"]') ? [] : await p.pollMessages();
  assert.deepEqual([...records, ...rest], ['42["a"]', '42["d"]']);
  // Nothing waiting and a poll held: a volatile packet goes.
  held = deferred();
  const next = p.poll();
  await held.promise;
  socket!.volatile.emit("e");
  assert.deepEqual(await next, ['42["e"]']);
});

test("volatile over WebSocket: dropped while a write of this batch is still in flight", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => {
    socket.on("burst", () => {
      socket.emit("a");
      socket.volatile.emit("b");
      s.io.volatile.emit("c");
      socket.emit("d");
    });
    socket.on("alone", () => socket.volatile.emit("e"));
  });
  const client = s.client("/", { transports: ["websocket"] });
  const got: string[] = [];
  const seen = deferred();
  client.onAny((event: string) => {
    got.push(event);
    if (event === "e") seen.resolve();
  });
  await new Promise((resolve) => client.on("connect", () => resolve(undefined)));
  client.emit("burst");
  await new Promise((resolve) => client.once("d", resolve));
  client.emit("alone");
  await seen.promise;
  assert.deepEqual(got, ["a", "d", "e"]);
});
