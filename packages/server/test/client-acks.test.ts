/**
 * Acknowledgements both ways with the official client: callbacks, `timeout()`, `emitWithAck`, and
 * broadcast acks collected from every recipient.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { next, startServer, type TestServer } from "./helpers.js";

async function connected(s: TestServer, nsp = "/") {
  const serverSide = next<[Socket]>(s.io.of(nsp), "connection");
  const client = s.client(nsp, { transports: ["websocket"] });
  const [server] = await serverSide;
  await next(client, "connect");
  return { client, server };
}

test("client → server ack with several arguments", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) =>
    socket.on("add", (a: number, b: number, ack: (...r: unknown[]) => void) =>
      ack(a + b, "done", { x: [1] }),
    ),
  );
  const { client } = await connected(s);
  const result = await new Promise<unknown[]>((resolve) =>
    client.emit("add", 2, 3, (...r: unknown[]) => resolve(r)),
  );
  assert.deepEqual(result, [5, "done", { x: [1] }]);
  assert.equal(await client.emitWithAck("add", 1, 1), 2);
});

test("server → client ack, emitWithAck, and timeout() success", async () => {
  await using s = await startServer();
  const { client, server } = await connected(s);
  client.on("ask", (q: string, ack: (a: string) => void) => ack(`answer to ${q}`));
  const viaCallback = await new Promise((resolve) => server.emit("ask", "a", resolve));
  assert.equal(viaCallback, "answer to a");
  assert.equal(await server.emitWithAck("ask", "b"), "answer to b");
  assert.equal(await server.timeout(1000).emitWithAck("ask", "c"), "answer to c");
  const [err, value] = await new Promise<unknown[]>((resolve) =>
    server.timeout(1000).emit("ask", "d", (...r: unknown[]) => resolve(r)),
  );
  assert.equal(err, null);
  assert.equal(value, "answer to d");
});

test("server → client timeout: the callback gets the error once; emitWithAck rejects", async () => {
  await using s = await startServer();
  const { client, server } = await connected(s);
  client.on("silent", () => {});
  const [err] = await new Promise<unknown[]>((resolve) =>
    server.timeout(20).emit("silent", (...r: unknown[]) => resolve(r)),
  );
  assert.ok(err instanceof Error);
  assert.equal((err as Error).message, "operation has timed out");
  assert.equal((err as Error & { code: string }).code, "ERR_ACK_TIMEOUT");
  await assert.rejects(server.timeout(20).emitWithAck("silent"), /operation has timed out/);
});

test("client timeout and emitWithAck against the server", async () => {
  await using s = await startServer();
  s.io.on("connection", (socket) => socket.on("never", () => {}));
  const { client } = await connected(s);
  await assert.rejects(client.timeout(30).emitWithAck("never"), /operation has timed out/);
});

test("broadcast ack: io.timeout().emit collects one response per client", async () => {
  await using s = await startServer();
  const a = await connected(s);
  const b = await connected(s);
  a.client.on("vote", (ack: (v: string) => void) => ack("a"));
  b.client.on("vote", (ack: (v: string) => void) => ack("b"));
  const [err, responses] = await new Promise<unknown[]>((resolve) =>
    s.io.timeout(1000).emit("vote", (...r: unknown[]) => resolve(r)),
  );
  assert.equal(err, null);
  assert.deepEqual((responses as string[]).sort(), ["a", "b"]);
  assert.deepEqual(((await s.io.timeout(1000).emitWithAck("vote")) as string[]).sort(), ["a", "b"]);
  // Room-targeted broadcast ack.
  a.server.join("only-a");
  assert.deepEqual(await s.io.to("only-a").timeout(1000).emitWithAck("vote"), ["a"]);
  // socket.broadcast ack excludes the sender.
  assert.deepEqual(await a.server.broadcast.timeout(1000).emitWithAck("vote"), ["b"]);
});

test("broadcast ack timeout: error with the responses that came in", async () => {
  await using s = await startServer();
  const a = await connected(s);
  const b = await connected(s);
  a.client.on("vote", (ack: (v: string) => void) => ack("a"));
  b.client.on("vote", () => {});
  const [err, responses] = await new Promise<unknown[]>((resolve) =>
    // The timeout must outlast a's answer even on a stalled machine (50 ms did not under load): b never
    // answers, so the test still ends with the timeout, only later.
    s.io.timeout(1000).emit("vote", (...r: unknown[]) => resolve(r)),
  );
  assert.ok(err instanceof Error);
  assert.deepEqual(responses, ["a"]);
  const rejected = await s.io
    .timeout(1000)
    .emitWithAck("vote")
    .then(
      () => null,
      (e: Error & { responses: unknown[] }) => e,
    );
  assert.ok(rejected !== null);
  assert.deepEqual(rejected.responses, ["a"]);
});

test("broadcast ack with no recipient answers at once with []", async () => {
  await using s = await startServer();
  assert.deepEqual(await s.io.to("empty").timeout(1000).emitWithAck("x"), []);
});

test("broadcast ack ids do not collide with pending per-socket ack ids", async () => {
  await using s = await startServer();
  const a = await connected(s);
  const pendingAnswer = new Promise((resolve) => a.server.emit("slow", resolve));
  let answerSlow: ((v: string) => void) | undefined;
  a.client.on("slow", (ack: (v: string) => void) => {
    answerSlow = ack;
  });
  a.client.on("fast", (ack: (v: string) => void) => ack("fast"));
  assert.deepEqual(await s.io.timeout(1000).emitWithAck("fast"), ["fast"]);
  answerSlow!("slow");
  assert.equal(await pendingAnswer, "slow");
});

test("remote socket emit with ack gets the single response", async () => {
  await using s = await startServer();
  const a = await connected(s);
  a.client.on("one", (ack: (v: number) => void) => ack(1));
  const [remote] = await s.io.fetchSockets();
  assert.equal(await remote!.timeout(1000).emitWithAck("one"), 1);
});

test("serverSideEmit with ack on a single node answers with no responses", async () => {
  await using s = await startServer();
  assert.deepEqual(await s.io.serverSideEmitWithAck("hello"), []);
  assert.equal(s.io.serverSideEmit("hello", 1), true);
});
