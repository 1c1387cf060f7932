// One syscall per batch (DESIGN.md principle 2): the batch's first frame is written alone at its end, a second
// one corks both into one writev. A batch is a tick on a quiet server and an event-loop iteration on a busy
// one (flush-timing.ts), where separate callbacks' frames share the writev; order and backpressure are kept.
// Raw TCP client.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { describe, it } from "node:test";
import { decodeFrames } from "../../../test-support/websocket-frame-reader.js";
import { deferred, startServer, type TestServer } from "./websocket-test-server.js";

const UPGRADE =
  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

interface WriteCounts {
  write: number;
  writev: number;
}

/** Counts the stream-level writes that reach the socket's handle (`_write` / `_writev`). */
function countWrites(socket: Duplex): WriteCounts {
  const counts = { write: 0, writev: 0 };
  const s = socket as Duplex & { _write: Duplex["_write"]; _writev: NonNullable<Duplex["_writev"]> };
  const write = s._write;
  const writev = s._writev;
  s._write = function (this: Duplex, ...args: Parameters<Duplex["_write"]>) {
    counts.write++;
    return write.apply(this, args);
  };
  s._writev = function (this: Duplex, ...args: Parameters<NonNullable<Duplex["_writev"]>>) {
    counts.writev++;
    return writev.apply(this, args);
  };
  return counts;
}

async function openRaw(
  port: number,
): Promise<{ client: Socket; bytes: () => Buffer; more: () => Promise<void> }> {
  const client = connect(port, "127.0.0.1");
  let received = Buffer.alloc(0);
  let waiter: (() => void) | null = null;
  client.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    waiter?.();
    waiter = null;
  });
  client.on("error", () => {});
  client.write(UPGRADE);
  const more = () => new Promise<void>((resolve) => (waiter = resolve));
  while (!received.includes("\r\n\r\n")) await more();
  const start = received.indexOf("\r\n\r\n") + 4;
  return { client, bytes: () => received.subarray(start), more };
}

/** A raw client connected to `server`, and the server side of its connection. */
async function accepted(server: TestServer) {
  const pending = server.nextConnection();
  const raw = await openRaw(server.port);
  const { conn } = await pending;
  return { conn, raw };
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets the event loop block in its poll, as a quiet server does between messages: the condition under test
 * (flush-timing.ts reads libuv's idle time), not a synchronisation. A timer alone does not make the loop
 * block: on a busy machine the process can be descheduled until the timer is already due, and libuv then
 * polls without waiting, so the idle time does not grow. So wait until it did grow.
 */
async function waitInPoll(): Promise<void> {
  const idle = performance.nodeTiming.idleTime;
  do await new Promise((resolve) => setTimeout(resolve, 2));
  while (performance.nodeTiming.idleTime === idle);
}

describe("WebSocket writes: one syscall per batch", () => {
  it("a single frame in a tick is one plain write; three frames in a tick are one writev, in order", async () => {
    await using server = await startServer();
    const { conn, raw } = await accepted(server);
    await turn();
    const counts = countWrites(conn.socket);
    conn.send("one");
    await turn();
    assert.deepEqual(counts, { write: 1, writev: 0 });
    conn.send("two");
    conn.send(Buffer.from([1, 2, 3]));
    conn.send("four");
    await turn();
    assert.deepEqual(counts, { write: 1, writev: 1 });
    while (decodeFrames(raw.bytes()).length < 4) await raw.more();
    assert.deepEqual(
      decodeFrames(raw.bytes()).map((f) => [f.opcode, f.payload.toString("latin1")]),
      [
        [1, "one"],
        [1, "two"],
        [2, "\x01\x02\x03"],
        [1, "four"],
      ],
    );
    raw.client.destroy();
  });

  it("a quiet server (the loop waited for I/O since the last flush) writes at the end of the tick", async () => {
    await using server = await startServer();
    const { conn, raw } = await accepted(server);
    await waitInPoll();
    const counts = countWrites(conn.socket);
    conn.send("now");
    await new Promise<void>((resolve) => process.nextTick(resolve));
    assert.deepEqual(counts, { write: 1, writev: 0 });
    raw.client.destroy();
  });

  it("a busy server holds what separate callbacks of one iteration wrote to its end: one writev", async () => {
    await using server = await startServer();
    const { conn, raw } = await accepted(server);
    await turn();
    const counts = countWrites(conn.socket);
    // An immediate writes and flushes ("warm"); the loop then has no reason to wait (immediates are
    // pending), so the next two immediates of one check phase, with a nextTick and a microtask after the
    // first, are a busy stretch: as the messages of several clients read in one poll phase, each answered
    // by its own listener.
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        conn.send("warm");
        setImmediate(() => {
          conn.send("a");
          process.nextTick(() => conn.send("b"));
          queueMicrotask(() => conn.send("c"));
        });
        setImmediate(() => {
          conn.send("d");
          resolve();
        });
      });
    });
    assert.deepEqual(
      counts,
      { write: 1, writev: 0 },
      "only the first batch written before the iteration ends",
    );
    await turn();
    assert.deepEqual(counts, { write: 1, writev: 1 });
    while (decodeFrames(raw.bytes()).length < 5) await raw.more();
    assert.deepEqual(
      decodeFrames(raw.bytes()).map((f) => f.payload.toString()),
      ["warm", "a", "b", "c", "d"],
    );
    raw.client.destroy();
  });

  it("a busy server writing each batch to other connections (echo-like) keeps the end of the tick", async () => {
    await using server = await startServer();
    const { conn: a, raw: rawA } = await accepted(server);
    const { conn: b, raw: rawB } = await accepted(server);
    await turn();
    const countsB = countWrites(b.socket);
    const atTickEnd = await new Promise<WriteCounts>((resolve) => {
      setImmediate(() => {
        a.send("to a");
        setImmediate(() => {
          b.send("to b");
          process.nextTick(() => resolve({ ...countsB }));
        });
      });
    });
    assert.deepEqual(atTickEnd, { write: 1, writev: 0 }, "written at the end of the tick");
    rawA.client.destroy();
    rawB.client.destroy();
  });

  it("a frame and the close frame of the same tick leave in order before the socket ends", async () => {
    await using server = await startServer();
    const { conn, raw } = await accepted(server);
    await turn();
    conn.send("last words");
    conn.close(1000, "bye");
    while (decodeFrames(raw.bytes()).length < 2) await raw.more();
    const frames = decodeFrames(raw.bytes());
    assert.equal(frames[0]!.payload.toString(), "last words");
    assert.equal(frames[1]!.opcode, 8);
    raw.client.destroy();
  });

  it("a deferred write the socket refuses is reported as backpressure, and drain follows", async () => {
    const backpressure = deferred<void>();
    const drained = deferred<void>();
    await using server = await startServer({}, (handler) => {
      Object.assign(handler, {
        onWebSocketBackpressure: () => backpressure.resolve(),
        onWebSocketDrain: () => drained.resolve(),
      });
    });
    const { conn, raw } = await accepted(server);
    raw.client.pause(); // the kernel buffers fill up: some write is eventually refused
    // Below the size written as header + payload (two writes): one write per tick, the deferred path.
    const chunk = Buffer.alloc(12 * 1024, 7);
    let reported = false;
    void backpressure.promise.then(() => {
      reported = true;
    });
    for (let i = 0; i < 20_000 && !reported; i++) {
      conn.send(chunk);
      await turn();
    }
    assert.ok(reported, "backpressure reported");
    raw.client.resume();
    await drained.promise;
    raw.client.destroy();
  });
});
