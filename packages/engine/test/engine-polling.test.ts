/**
 * Long-polling rules (PROTOCOL.md §A3, §A4, §A8) on raw HTTP requests.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import type { Socket } from "@plexus/engine";
import { noteBatchFlushed } from "../src/websocket/flush-timing.js";
import {
  deferred,
  handshake,
  nextConnection,
  poll,
  post,
  raw,
  startEngine,
  type TestEngine,
} from "./engine-helpers.js";

describe("polling", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine();
    t.engine.on("connection", (socket: Socket) => {
      socket.on("message", (data) => {
        if (data === "close-me") socket.close();
        else socket.send(data);
      });
    });
  });
  after(() => t.close());

  test("POST answers 200 ok text/html; text and binary come back byte-identical in one payload", async () => {
    const { sid } = await handshake(t);
    const p = await post(t, sid, "4hello\x1ebAQIDBA==");
    assert.equal(p.status, 200);
    assert.equal(p.body, "ok");
    assert.equal(p.headers["content-type"], "text/html");
    assert.equal(p.headers["cache-control"], "no-store");
    const g = await poll(t, sid);
    assert.equal(g.status, 200);
    assert.equal(g.headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(g.body, "4hello\x1ebAQIDBA==");
  });

  test("a held GET is answered when a packet is sent; UTF-8 survives", async () => {
    const { sid } = await handshake(t);
    const pending = poll(t, sid);
    await post(t, sid, "4héllo ✓ 😀");
    const g = await pending;
    assert.equal(g.body, "4héllo ✓ 😀");
  });

  test("poll overlap: 400 for the newcomer, the pending poll gets 1, the sid is gone", async () => {
    const { sid } = await handshake(t);
    const closed = deferred<string>();
    t.engine.clients[sid]!.once("close", (reason: string) => closed.resolve(reason));
    const first = poll(t, sid);
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Make sure the first GET reached the server before the second one.
    while (!t.engine.clients[sid]?.transport.writable) await new Promise<void>((r) => setImmediate(r));
    const second = await poll(t, sid);
    assert.equal(second.status, 400);
    assert.equal(second.body, "");
    const a = await first;
    assert.equal(a.status, 200);
    assert.equal(a.body, "1");
    assert.equal(await closed.promise, "transport error");
    const after = await poll(t, sid);
    assert.equal(after.status, 400);
    assert.equal(after.body, '{"code":1,"message":"Session ID unknown"}');
  });

  test("POST overlap: 400 and the session is closed", async () => {
    const { sid } = await handshake(t);
    const socket = t.engine.clients[sid]!;
    const closed = deferred<string>();
    socket.once("close", (reason: string) => closed.resolve(reason));
    // A POST whose body never ends keeps the first data request in flight.
    const { request } = await import("node:http");
    const hanging = request({
      host: "127.0.0.1",
      port: t.port,
      path: t.path(`transport=polling&sid=${sid}`),
      method: "POST",
      agent: false,
      headers: { "Content-Length": "100" },
    });
    hanging.on("error", () => {});
    hanging.write("4partial");
    const pollDone = poll(t, sid);
    for (;;) {
      await new Promise<void>((r) => setTimeout(r, 5));
      const second = await post(t, sid, "4x");
      if (second.status === 400 && second.body === "") break;
      assert.equal(second.status, 200, "before the first POST arrives the second one is accepted");
    }
    assert.equal(await closed.promise, "transport error");
    assert.equal((await pollDone).body.endsWith("1"), true);
    assert.equal((await poll(t, sid)).status, 400);
    hanging.destroy();
  });

  test("POST larger than maxHttpBufferSize → 413, empty body", async () => {
    const small = await startEngine({ maxHttpBufferSize: 100 });
    try {
      const { sid } = await handshake(small);
      const p = await post(small, sid, `4${"x".repeat(200)}`);
      assert.equal(p.status, 413);
      assert.equal(p.body, "");
      const chunked = await raw(small.port, small.path(`transport=polling&sid=${sid}`), {
        method: "POST",
        headers: { "Transfer-Encoding": "chunked" },
        body: `4${"y".repeat(300)}`,
      });
      assert.equal(chunked.status, 413);
    } finally {
      await small.close();
    }
  });

  test("other methods on an existing sid → 500, empty body", async () => {
    const { sid } = await handshake(t);
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const r = await raw(t.port, t.path(`transport=polling&sid=${sid}`), { method, body: "x" });
      assert.equal(r.status, 500, method);
      assert.equal(r.body, "");
    }
    assert.equal((await post(t, sid, "4still")).status, 200);
  });

  test("application/octet-stream POST → 400, empty body, session closed", async () => {
    const { sid } = await handshake(t);
    const r = await post(t, sid, "4x", { "Content-Type": "application/octet-stream" });
    assert.equal(r.status, 400);
    assert.equal(r.body, "");
    assert.equal((await poll(t, sid)).status, 400);
  });

  test("malformed packet → parse error, 400, sid gone; earlier packets were delivered", async () => {
    const { sid } = await handshake(t);
    const socket = t.engine.clients[sid]!;
    const seen: unknown[] = [];
    socket.on("message", (d) => seen.push(d));
    const closed = deferred<string>();
    socket.once("close", (reason: string) => closed.resolve(reason));
    const r = await post(t, sid, "4first\x1eabc");
    assert.equal(r.status, 400);
    assert.equal(await closed.promise, "parse error");
    assert.deepEqual(seen, ["first"]);
    assert.equal((await poll(t, sid)).status, 400);
  });

  test("bad base64 in a b record → parse error", async () => {
    const { sid } = await handshake(t);
    const r = await post(t, sid, "b!!!");
    assert.equal(r.status, 400);
    assert.equal((await poll(t, sid)).status, 400);
  });

  test("close over polling: POST 1 → pending GET answered 6, reason transport close, sid gone", async () => {
    const { sid } = await handshake(t);
    const closed = deferred<string>();
    t.engine.clients[sid]!.once("close", (reason: string) => closed.resolve(reason));
    const pending = poll(t, sid);
    while (!t.engine.clients[sid]?.transport.writable) await new Promise<void>((r) => setImmediate(r));
    const p = await post(t, sid, "1");
    assert.equal(p.status, 200);
    assert.equal((await pending).body, "6");
    assert.equal(await closed.promise, "transport close");
    assert.equal((await poll(t, sid)).body, '{"code":1,"message":"Session ID unknown"}');
  });

  test("server-side close: queued packets first, then 1 in the next poll ('forced close')", async () => {
    const { sid } = await handshake(t);
    const closed = deferred<string>();
    t.engine.clients[sid]!.once("close", (reason: string) => closed.resolve(reason));
    await post(t, sid, "4bye\x1e4close-me");
    assert.equal((await poll(t, sid)).body, "4bye");
    const g = await poll(t, sid);
    assert.equal(g.body, "6\x1e1");
    assert.equal(await closed.promise, "forced close");
    assert.equal((await poll(t, sid)).status, 400);
  });

  test("socket.close() with a pending poll answers it with 1", async () => {
    const { sid } = await handshake(t);
    const socket = t.engine.clients[sid]!;
    const pending = poll(t, sid);
    while (!socket.transport.writable) await new Promise<void>((r) => setImmediate(r));
    socket.close();
    assert.equal((await pending).body, "1");
    assert.equal(socket.readyState, "closed");
  });

  test("protocol mismatch (EIO=3 on an EIO=4 session) → 400 code 3", async () => {
    const { sid } = await handshake(t);
    const r = await raw(t.port, t.path(`transport=polling&sid=${sid}`, "3"));
    assert.equal(r.status, 400);
    assert.equal(r.body, '{"code":3,"message":"Bad request"}');
  });

  test("transport mismatch: websocket GET without upgrade on a polling sid → 400 code 3", async () => {
    const { sid } = await handshake(t);
    const r = await raw(t.port, t.path(`transport=websocket&sid=${sid}`));
    assert.equal(r.status, 400);
    assert.equal(r.body, '{"code":3,"message":"Bad request"}');
  });

  test("packets sent in one tick leave in one response", async () => {
    const conn = nextConnection(t.engine);
    const { sid } = await handshake(t);
    const socket = await conn;
    socket.send("a");
    socket.send(Buffer.from([1, 2]));
    socket.send("b");
    assert.equal((await poll(t, sid)).body, "4a\x1ebAQI=\x1e4b");
  });

  test("on a busy server a held GET answers with what separate callbacks of one iteration sent", async () => {
    const conn = nextConnection(t.engine);
    const { sid } = await handshake(t);
    const socket = await conn;
    const pending = poll(t, sid);
    while (!socket.transport.writable) await new Promise<void>((r) => setImmediate(r));
    // A busy stretch (a flush just happened and the loop has not waited since, flush-timing.ts), then two
    // immediates of one check phase: as two messages read in one poll phase, each answered by its listener.
    setImmediate(() => {
      noteBatchFlushed();
      setImmediate(() => {
        socket.send("a");
        process.nextTick(() => socket.send("b"));
      });
      setImmediate(() => socket.send("c"));
    });
    assert.equal((await pending).body, "4a\x1e4b\x1e4c");
  });

  test("send callbacks run once the packets are written", async () => {
    const conn = nextConnection(t.engine);
    const { sid } = await handshake(t);
    const socket = await conn;
    const sent = deferred<string>();
    socket.send("cb", {}, (transport) => sent.resolve(transport.name));
    assert.equal((await poll(t, sid)).body, "4cb");
    assert.equal(await sent.promise, "polling");
  });
});

describe("polling compression", () => {
  test("payloads ≥ threshold are gzipped when accepted; small ones are not", async () => {
    const t = await startEngine();
    try {
      const conn = nextConnection(t.engine);
      const { sid } = await handshake(t);
      const socket = await conn;
      const big = "z".repeat(5000);
      socket.send(big);
      const r = await raw(t.port, t.path(`transport=polling&sid=${sid}`), {
        headers: { "Accept-Encoding": "gzip, deflate" },
      });
      assert.equal(r.headers["content-encoding"], "gzip");
      assert.equal(gunzipSync(r.bytes).toString(), `4${big}`);
      socket.send("small");
      const s = await raw(t.port, t.path(`transport=polling&sid=${sid}`), {
        headers: { "Accept-Encoding": "gzip" },
      });
      assert.equal(s.headers["content-encoding"], undefined);
      assert.equal(s.body, "4small");
      socket.send(big, { compress: false });
      const u = await raw(t.port, t.path(`transport=polling&sid=${sid}`), {
        headers: { "Accept-Encoding": "gzip" },
      });
      assert.equal(u.headers["content-encoding"], undefined);
    } finally {
      await t.close();
    }
  });
});

describe("polling close while a close is pending", () => {
  test("engine.close() finishes a session that waits for its next poll to carry 1", async () => {
    const t = await startEngine();
    try {
      const conn = nextConnection(t.engine);
      await handshake(t);
      const socket = await conn;
      const reason = deferred<string>();
      socket.once("close", (r: string) => reason.resolve(r));
      socket.close(); // no poll pending: the transport waits for the next GET
      assert.equal(socket.readyState, "closing");
      t.engine.close();
      assert.equal(await reason.promise, "forced close");
      assert.equal(t.engine.clientsCount, 0);
    } finally {
      await t.close();
    }
  });
});
