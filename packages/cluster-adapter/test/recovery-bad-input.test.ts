/**
 * The recovery log's IPC traffic is untrusted on both ends: malformed log requests reaching the primary,
 * malformed replies and deliveries reaching a worker, and payloads that are not MessagePack entries or
 * session records are dropped and counted, never thrown — and recovery across workers keeps working
 * (in one process: `VirtualCluster`, the shipped relay and links over in-memory pipes).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterAdapter, ClusterRecovery, LogEntry } from "@plexus/adapter";
import { clusterFormed } from "@plexus/adapter/test-kit";
import { encodeMsgpack } from "@plexus/protocol";
import type { Socket } from "@plexus/server";
import fc from "fast-check";
import { io as ioc } from "socket.io-client";
import { next, startServer, type TestServer } from "../../server/test/helpers.js";
import { IpcRecoveryLog, type LogLink } from "../src/ipc-recovery-log.js";
import { SOURCE } from "../src/ipc-wire.js";
import { VirtualCluster } from "./virtual-cluster.js";

const recovery = { maxDisconnectionDuration: 60_000 };

test("the primary drops malformed log requests, counted, and answers well-formed ones", () => {
  const cluster = new VirtualCluster();
  const sent: Array<Record<string, unknown>> = [];
  const worker = { isConnected: () => true, send: (m: unknown) => sent.push(m as Record<string, unknown>) };
  cluster.relay.add(worker);
  const malformed: unknown[] = [
    { source: SOURCE, log: "/", op: "nope", req: 1 },
    { source: SOURCE, log: "/", op: "state", req: -1 },
    { source: SOURCE, log: "/", op: "append", req: 0, data: 5, count: 1, ms: 1 },
    { source: SOURCE, log: "/", op: "append", req: 0, data: "AA==", count: 1.5, ms: 1 },
    { source: SOURCE, log: "/", op: "read", req: 1, after: "01", count: 1 },
    { source: SOURCE, log: "/", op: "read", req: 1, after: "-1", count: 1 },
    { source: SOURCE, log: "/", op: "write", req: 0, pid: "bad pid!", data: "AA==", count: 1, ms: 1 },
    { source: SOURCE, log: "/", op: "refresh", req: 0, pids: ["a", 1], ms: 1 },
    { source: SOURCE, log: "/", op: "take", req: 1 },
    { source: SOURCE, log: "x".repeat(300), op: "state", req: 1 },
  ];
  for (const m of malformed) cluster.relay.onMessage(worker, m);
  assert.equal(cluster.relay.recovery.counters.dropped, malformed.length);
  assert.equal(sent.length, 0);
  fc.assert(
    fc.property(fc.anything(), fc.dictionary(fc.string(), fc.anything()), (value, fields) => {
      cluster.relay.onMessage(worker, value);
      cluster.relay.onMessage(worker, { ...fields, source: SOURCE, log: "/fuzz" });
      cluster.relay.onMessage(worker, { source: SOURCE, log: "/fuzz", op: "read", req: 2, ...fields });
    }),
    { seed: 14, numRuns: 500 },
  );
  cluster.relay.onMessage(worker, { source: SOURCE, log: "/", op: "state", req: 9 });
  const reply = sent.find((m) => m.req === 9);
  assert.ok(reply !== undefined);
  assert.match(String((reply.reply as string[])[0]), /^[A-Za-z0-9_-]{8}$/);
});

/** An `IpcRecoveryLog` whose primary answers `reply`, and what it hands its recovery. */
function logWith(reply: () => unknown) {
  const link: LogLink = {
    carriesBytes: false,
    maxMessageBytes: 1024,
    connected: true,
    sendLog() {},
    request: async () => reply(),
  };
  const log = new IpcRecoveryLog(link, {
    nsp: "/",
    maxPackets: 10,
    maxSessions: 10,
    maxAgeMs: 1000,
    timeoutMs: 1000,
  });
  const received: Array<LogEntry | undefined> = [];
  const fake = {
    receive: (_e: string, _p: string, _i: string, entry: LogEntry | undefined) => received.push(entry),
    start: async () => {},
  } as unknown as ClusterRecovery;
  return { log, received, attached: log.attach(fake) };
}

test("a worker turns bad entries, pages and session records into undefined/null, never throws (property)", async () => {
  let next: unknown = null;
  const { log, received, attached } = logWith(() => next);
  await attached;
  const entry = Buffer.from(encodeMsgpack([["r"], [], 1, ["ev", 1]])).toString("base64");
  log.receive("e", "0", "1", entry);
  assert.deepEqual(received, [{ rooms: ["r"], except: [], compress: true, data: ["ev", 1] }]);
  for (const bad of ["", "////", Buffer.from([0xc1]).toString("base64"), "A".repeat(4000), new Uint8Array()])
    log.receive("e", "0", "1", bad);
  assert.deepEqual(received.slice(1), [undefined, undefined, undefined, undefined, undefined]);
  await fc.assert(
    fc.asyncProperty(fc.anything(), fc.uint8Array({ maxLength: 64 }), async (value, bytes) => {
      log.receive("e", "0", "1", bytes);
      next = value;
      const page = await log.read("0", 10);
      if (page !== undefined) assert.ok(Array.isArray(page.entries));
      const record = await log.takeSession("pid");
      assert.ok(record === undefined || record === null || typeof record.sid === "string");
      next = bytes;
      // Bytes from the primary: a record, or null (malformed), never undefined (unknown).
      assert.notEqual(await log.takeSession("pid"), undefined);
      next = [
        "e",
        "1",
        "0",
        [
          [value, bytes],
          ["1", Buffer.from(bytes).toString("base64")],
        ],
      ];
      await log.read("0", 10);
    }),
    { seed: 15, numRuns: 300 },
  );
  next = ["bad epoch!", "1", "0"];
  await assert.rejects(log.state());
  assert.equal(await log.read("0", 1), undefined);
});

test("after random values from the primary, a client recovers across (virtual) workers", async () => {
  const cluster = new VirtualCluster(true);
  const workers = [cluster.fork(), cluster.fork()];
  const servers: TestServer[] = [];
  for (const w of workers)
    servers.push(await startServer({ adapter: w.adapter(), connectionStateRecovery: recovery }));
  try {
    const adapters = servers.map((s) => s.io.of("/").adapter as unknown as ClusterAdapter);
    await clusterFormed(adapters, 2);
    fc.assert(
      fc.property(fc.anything(), fc.dictionary(fc.string(), fc.anything()), (value, fields) => {
        workers[1]!.inject(value);
        workers[1]!.inject({ ...fields, source: SOURCE, log: "/" });
        workers[1]!.inject({ source: SOURCE, log: "/", req: 123_456, reply: value });
      }),
      { seed: 16, numRuns: 300 },
    );
    assert.ok(workers[1]!.link.badMessages > 0);

    const connected = next<[Socket]>(servers[0]!.io, "connection");
    const first = servers[0]!.client("/", { transports: ["websocket"] });
    const socket = (await connected)[0];
    await next(first, "connect");
    await socket.join("room");
    servers[1]!.io.to("room").emit("news", 1);
    assert.deepEqual((await next<unknown[]>(first, "news"))[0], 1);
    const pid = (first as unknown as { _pid: string })._pid;
    const offset = (first as unknown as { _lastOffset: string })._lastOffset;
    const gone = next(servers[0]!.io.of("/").sockets.get(socket.id)!, "disconnect");
    first.io.engine.close();
    await gone;
    servers[1]!.io.to("room").emit("news", 2);
    servers[0]!.io.to(socket.id).emit("direct", 3);
    // Both are in the log once both workers applied them.
    const recoveries = adapters.map((a) => a.recoveryLog!);
    while (recoveries.some((r) => r.counters.applied < 3)) await new Promise((r) => setImmediate(r));

    const restored = next<[Socket]>(servers[1]!.io, "connection");
    const back = ioc(servers[1]!.url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { pid, offset },
    });
    const got: unknown[][] = [];
    back.onAny((event, ...args) => got.push([event, ...args.slice(0, -1)]));
    await next(back, "connect");
    // A new client object with the old pid and offset (the official client's `recovered` compares its own pid).
    assert.equal((await restored)[0].recovered, true);
    assert.equal(back.id, socket.id);
    while (got.length < 2) await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [
      ["news", 2],
      ["direct", 3],
    ]);
    back.disconnect();
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test("without a primary that answers (no setupPrimary()), packets are delivered unlogged, not lost", async () => {
  const { log, attached } = logWith(() => null);
  await attached;
  await assert.rejects(log.state());
  assert.equal(log.append({ rooms: [], except: [], compress: true, data: ["ev"] }), false);
  const answered = logWith(() => ["epoch123", "0", "0"]);
  await answered.log.state();
  assert.equal(answered.log.append({ rooms: [], except: [], compress: true, data: ["ev"] }), true);
});
