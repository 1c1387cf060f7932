/**
 * Long polls held off node:http (option `pollingTakeover`, owned-connection.ts), on raw keep-alive
 * connections: the same bytes on the wire as node:http's path, requests handed back to Node when they are
 * not plain polls, pipelining, timeouts, close, and the cases where the engine must not take over.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { Server, type ServerOptions, type Socket } from "@plexus/engine";
import { decodeFrames } from "../../../test-support/websocket-frame-reader.js";
import { deferred, startEngine, type TestEngine } from "./engine-helpers.js";
import { type RawAnswer, RawHttpConnection } from "./raw-http-connection.js";

const BIG = "x".repeat(2000);

const opensslSkip = spawnSync("openssl", ["version"]).status === 0 ? false : "openssl missing";

/** A throwaway key and self-signed certificate for 127.0.0.1 (openssl, into a temporary directory). */
function selfSignedCertificate(): Credentials {
  const dir = mkdtempSync(join(tmpdir(), "plexus-tls-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"];
    const made = spawnSync("openssl", [...args, "-keyout", key, "-out", cert], { stdio: "ignore" });
    assert.equal(made.status, 0, "openssl made a certificate");
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits (turn by turn, no timer) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await turn();
}

type Credentials = { key: string; cert: string };

async function startEcho(options: ServerOptions, tls?: Credentials): Promise<TestEngine> {
  const t = await startEngine(options, tls);
  t.engine.on("connection", (socket: Socket) => {
    socket.on("message", (data) => socket.send(data === "big" ? BIG : data));
  });
  return t;
}

/** Waits until the session's poll is held, and one more turn (a takeover happens in that turn). */
async function held(t: TestEngine, sid: string): Promise<void> {
  await until(() => t.engine.clients[sid]?.transport.writable === true);
  await turn();
}

function sidOf(answer: RawAnswer): string {
  return (JSON.parse(answer.body.slice(1)) as { sid: string }).sid;
}

/** A new keep-alive connection with a session whose poll is held on it (taken over, when allowed). */
async function openHeldPoll(t: TestEngine): Promise<{ conn: RawHttpConnection; sid: string }> {
  const conn = await RawHttpConnection.open(t.port);
  const sid = sidOf(await conn.exchange(t.path("transport=polling")));
  conn.request(t.path(`transport=polling&sid=${sid}`));
  await held(t, sid);
  return { conn, sid };
}

/**
 * One scenario on two keep-alive connections (A polls, B posts, as a browser's two connections do),
 * returned as the list of answers, exact bytes with the date and session ids normalised.
 */
async function transcript(
  options: ServerOptions,
  origin?: string,
  tls?: Credentials,
): Promise<{ lines: string[]; owned: number }> {
  const t = await startEcho(options, tls);
  const extra: Record<string, string> = origin === undefined ? {} : { Origin: origin };
  const a = await RawHttpConnection.open(t.port, tls !== undefined);
  const b = await RawHttpConnection.open(t.port, tls !== undefined);
  const sids: string[] = [];
  const answers: RawAnswer[] = [];
  let owned = 0;
  const poll = (sid: string) =>
    a.request(t.path(`transport=polling&sid=${sid}`), { headers: { ...extra, "Accept-Encoding": "gzip" } });
  const post = (conn: RawHttpConnection, sid: string, body: string) =>
    conn.exchange(t.path(`transport=polling&sid=${sid}`), { body, headers: extra });
  try {
    const open = await a.exchange(t.path("transport=polling"), { headers: extra });
    answers.push(open);
    const sid = sidOf(open);
    sids.push(sid);
    // 1. a held poll answered by a POST on the other connection
    poll(sid);
    await held(t, sid);
    owned = Math.max(owned, t.engine._ownedCount);
    answers.push(await post(b, sid, "4hello"));
    answers.push(await a.next());
    // 2. the next poll on the same connection; a compressed answer
    poll(sid);
    await held(t, sid);
    owned = Math.max(owned, t.engine._ownedCount);
    answers.push(await post(b, sid, "4big"));
    answers.push(await a.next());
    // 3. a POST on the polling connection, then a poll answered at once
    answers.push(await post(a, sid, "4x\x1e4y"));
    poll(sid);
    answers.push(await a.next());
    // 4. errors and other paths on the same connection go through node:http
    answers.push(await a.exchange(t.path("transport=polling&sid=nope"), { headers: extra }));
    answers.push(await a.exchange("/other", { headers: extra }));
    answers.push(await post(a, sid, "garbage-packet"));
    // 5. a poll again (taken over again), released by the client's close packet
    const open2 = await a.exchange(t.path("transport=polling"), { headers: extra });
    answers.push(open2);
    const sid2 = sidOf(open2);
    sids.push(sid2);
    poll(sid2);
    await held(t, sid2);
    owned = Math.max(owned, t.engine._ownedCount);
    answers.push(await post(b, sid2, "1"));
    answers.push(await a.next());
    // 6. `Connection: close` is honoured
    const open3 = await a.exchange(t.path("transport=polling"), { headers: extra });
    const sid3 = sidOf(open3);
    sids.push(sid3);
    answers.push(open3);
    a.request(t.path(`transport=polling&sid=${sid3}`), { headers: { ...extra, Connection: "close" } });
    await held(t, sid3);
    owned = Math.max(owned, t.engine._ownedCount);
    answers.push(await post(b, sid3, "4bye"));
    answers.push(await a.next());
    await a.closed;
  } finally {
    a.destroy();
    b.destroy();
    await t.close();
  }
  const lines = answers.map((answer) => {
    let text = answer.raw.toString("latin1").replace(/Date: [^\r]+/, "Date: <date>");
    for (const [i, sid] of sids.entries()) text = text.replaceAll(sid, `<sid${i}>`);
    return text;
  });
  return { lines, owned };
}

/** A masked client text frame (RFC 6455 §5.3), payloads under 126 bytes. */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = [0x12, 0x34, 0x56, 0x78];
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  for (let i = 0; i < 4; i++) frame[2 + i] = mask[i]!;
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}

/** The text frames a server sends on `socket` from now on, one by one. */
class FrameCollector {
  private bytes = Buffer.alloc(0);
  private taken = 0;
  private wake: (() => void) | null = null;
  constructor(socket: NetSocket) {
    socket.on("data", (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      this.wake?.();
    });
  }
  async next(): Promise<string> {
    for (;;) {
      const frames = decodeFrames(this.bytes);
      if (frames.length > this.taken) return frames[this.taken++]!.payload.toString("utf8");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

describe("polling connections held off node:http", () => {
  test("the wire is byte for byte node:http's: polls, POSTs, compression, errors, other paths, close", async () => {
    const viaNode = await transcript({ pollingTakeover: false });
    const owned = await transcript({});
    assert.equal(viaNode.owned, 0);
    assert.ok(owned.owned >= 1, "the held polls were taken over");
    assert.deepEqual(owned.lines, viaNode.lines);
    // The compressed answer really is gzip of the payload.
    const compressed = owned.lines.find((l) => l.includes("Content-Encoding: gzip"));
    assert.ok(compressed !== undefined);
  });

  test("the same with CORS (static origin, credentials): the owned answers carry the same headers", async () => {
    const cors = { cors: { origin: "https://app.example", credentials: true } };
    const viaNode = await transcript({ ...cors, pollingTakeover: false }, "https://app.example");
    const owned = await transcript(cors, "https://app.example");
    assert.ok(owned.owned >= 1);
    assert.deepEqual(owned.lines, viaNode.lines);
    assert.ok(owned.lines[1]!.includes("Access-Control-Allow-Origin: https://app.example\r\n"));
    assert.ok(owned.lines[1]!.includes("Access-Control-Allow-Credentials: true\r\n"));
  });

  test("the same over HTTPS: TLS connections are owned too, with the same bytes", {
    skip: opensslSkip,
  }, async () => {
    const tls = selfSignedCertificate();
    const viaNode = await transcript({ pollingTakeover: false }, undefined, tls);
    const owned = await transcript({}, undefined, tls);
    assert.ok(owned.owned >= 1, "the held polls were taken over");
    assert.deepEqual(owned.lines, viaNode.lines);
  });

  test("a compressed owned answer decodes to the payload", async () => {
    const t = await startEcho({});
    const a = await RawHttpConnection.open(t.port);
    try {
      const sid = sidOf(await a.exchange(t.path("transport=polling")));
      a.request(t.path(`transport=polling&sid=${sid}`), { headers: { "Accept-Encoding": "gzip" } });
      await held(t, sid);
      assert.equal(t.engine._ownedCount, 1);
      t.engine.clients[sid]!.send(BIG);
      const answer = await a.next();
      assert.equal(answer.headers["content-encoding"], "gzip");
      assert.equal(gunzipSync(answer.bodyBytes).toString(), `4${BIG}`);
    } finally {
      a.destroy();
      await t.close();
    }
  });

  test("a request pipelined behind a held poll releases it (noop) and is served in order", async () => {
    const t = await startEcho({});
    const a = await RawHttpConnection.open(t.port);
    try {
      const sid = sidOf(await a.exchange(t.path("transport=polling")));
      a.request(t.path(`transport=polling&sid=${sid}`));
      await held(t, sid);
      assert.equal(t.engine._ownedCount, 1);
      a.request(t.path(`transport=polling&sid=${sid}`), { body: "4piped" });
      const first = await a.next();
      assert.equal(first.status, 200);
      assert.equal(first.body, "6");
      const second = await a.next();
      assert.equal(second.body, "ok");
      a.request(t.path(`transport=polling&sid=${sid}`));
      assert.equal((await a.next()).body, "4piped");
    } finally {
      a.destroy();
      await t.close();
    }
  });

  test("a request partly read behind a held poll on node:http keeps the connection on node:http", async () => {
    const t = await startEcho({});
    const a = await RawHttpConnection.open(t.port);
    try {
      const sid = sidOf(await a.exchange(t.path("transport=polling")));
      const post = `POST ${t.path(`transport=polling&sid=${sid}`)} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n4ab`;
      // The poll and the first bytes of a pipelined POST in one write.
      a.write(
        `GET ${t.path(`transport=polling&sid=${sid}`)} HTTP/1.1\r\nHost: x\r\n\r\n${post.slice(0, 30)}`,
      );
      await held(t, sid);
      assert.equal(t.engine._ownedCount, 0);
      a.write(post.slice(30));
      const poll = await a.next();
      assert.equal(poll.body, "4ab");
      assert.equal((await a.next()).body, "ok");
    } finally {
      a.destroy();
      await t.close();
    }
  });

  test("owned TCP reads skip the stream: bodies in pieces, then an upgrade after a hand-back", async () => {
    const t = await startEcho({});
    const a = await RawHttpConnection.open(t.port);
    const b = await RawHttpConnection.open(t.port);
    try {
      const { sid } = await (async () => {
        const id = sidOf(await a.exchange(t.path("transport=polling")));
        a.request(t.path(`transport=polling&sid=${id}`));
        await held(t, id);
        return { sid: id };
      })();
      assert.equal(t.engine._ownedCount, 1);
      // Plain TCP reads go to the engine's read callback, not through `data` events.
      const transport = t.engine.clients[sid]!.transport as unknown as {
        pollRes: { socket: NetSocket } | null;
      };
      const serverSocket = transport.pollRes!.socket;
      assert.equal(serverSocket.listenerCount("data"), 0);
      assert.equal((await b.exchange(t.path(`transport=polling&sid=${sid}`), { body: "4one" })).body, "ok");
      assert.equal((await a.next()).body, "4one");
      // A POST on the owned connection in three writes, a UTF-8 character split between the last two.
      const body = Buffer.from("4héllo wörld");
      const cut = body.indexOf(Buffer.from("ö")) + 1;
      const head =
        `POST ${t.path(`transport=polling&sid=${sid}`)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n`;
      const requestsBefore = t.engine._ownedRequests;
      a.write(head);
      await turn();
      a.write(body.subarray(0, cut));
      await turn();
      a.write(body.subarray(cut));
      assert.equal((await a.next()).body, "ok");
      assert.equal(t.engine._ownedRequests, requestsBefore + 1);
      assert.equal((await a.exchange(t.path(`transport=polling&sid=${sid}`))).body, "4héllo wörld");
      // An upgrade on the same connection goes back to node:http, which reads it from then on.
      const ownedBefore = t.engine._ownedCount; // a, and b (taken over to answer its POST)
      a.write(
        `GET ${t.path(`transport=websocket&sid=${sid}`)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      assert.equal((await a.next()).status, 101);
      assert.equal(t.engine._ownedCount, ownedBefore - 1);
      const frames = new FrameCollector(a.socket);
      a.write(maskedText("2probe"));
      assert.equal(await frames.next(), "3probe");
      a.write(maskedText("5"));
      await until(() => t.engine.clients[sid]?.transport.name === "websocket");
      a.write(maskedText("4over websocket"));
      assert.equal(await frames.next(), "4over websocket");
    } finally {
      a.destroy();
      b.destroy();
      await t.close();
    }
  });

  test("the client closing an owned connection mid-poll closes the session as on node:http", async () => {
    const reasons: string[] = [];
    for (const pollingTakeover of [false, true]) {
      const t = await startEcho({ pollingTakeover });
      const a = await RawHttpConnection.open(t.port);
      const sid = sidOf(await a.exchange(t.path("transport=polling")));
      const closed = deferred<string>();
      t.engine.clients[sid]!.once("close", (reason: string, description?: unknown) =>
        closed.resolve(`${reason}: ${String((description as Error | undefined)?.message ?? description)}`),
      );
      a.request(t.path(`transport=polling&sid=${sid}`));
      await held(t, sid);
      assert.equal(t.engine._ownedCount, pollingTakeover ? 1 : 0);
      a.destroy();
      reasons.push(await closed.promise);
      await until(() => t.engine._ownedCount === 0);
      await t.close();
    }
    assert.equal(reasons[1], reasons[0]);
  });

  test("an idle owned connection ends after keepAliveTimeout; a stalled body gets 408", async () => {
    const t = await startEcho({});
    t.http.keepAliveTimeout = 100;
    t.http.requestTimeout = 300;
    const a = await RawHttpConnection.open(t.port);
    const b = await RawHttpConnection.open(t.port);
    try {
      const sid = sidOf(await a.exchange(t.path("transport=polling")));
      a.request(t.path(`transport=polling&sid=${sid}`));
      await held(t, sid);
      assert.equal(t.engine._ownedCount, 1);
      t.engine.clients[sid]!.send("one");
      assert.equal((await a.next()).body, "4one");
      // Idle now: nothing more is sent, the engine ends it as Node would.
      await a.closed;
      await until(() => t.engine._ownedCount === 0);

      const sid2 = sidOf(await b.exchange(t.path("transport=polling")));
      b.request(t.path(`transport=polling&sid=${sid2}`));
      await held(t, sid2);
      t.engine.clients[sid2]!.send("two");
      assert.equal((await b.next()).body, "4two");
      // A POST that announces 10 bytes and sends 3.
      b.write(
        `POST ${t.path(`transport=polling&sid=${sid2}`)} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n4ab`,
      );
      const timeout = await b.next();
      assert.equal(timeout.status, 408);
      await b.closed;
    } finally {
      a.destroy();
      b.destroy();
      await t.close();
    }
  });

  test("engine.close() and http.close() end owned connections; closeAllConnections ends held ones", async () => {
    const t = await startEcho({});
    const { conn: a } = await openHeldPoll(t);
    assert.equal(t.engine._ownedCount, 1);
    t.engine.close();
    const last = await a.next();
    assert.equal(last.body, "1");
    assert.equal(last.headers.connection, "close");
    await a.closed;
    await new Promise<void>((resolve) => t.http.close(() => resolve()));

    const t2 = await startEcho({});
    const { conn: b } = await openHeldPoll(t2);
    assert.equal(t2.engine._ownedCount, 1);
    t2.http.closeAllConnections();
    await b.closed;
    await until(() => t2.engine._ownedCount === 0);
    await t2.close();
  });

  test("no takeover with engine middlewares, headers hooks, or pollingTakeover: false", async () => {
    const setups: Array<(engine: Server) => void> = [
      (engine) => engine.use((_req, _res, next) => next()),
      (engine) => engine.on("headers", () => {}),
    ];
    for (const setup of [...setups, null]) {
      const t = await startEcho(setup === null ? { pollingTakeover: false } : {});
      if (setup !== null) setup(t.engine);
      const a = await RawHttpConnection.open(t.port);
      try {
        const sid = sidOf(await a.exchange(t.path("transport=polling")));
        a.request(t.path(`transport=polling&sid=${sid}`));
        await held(t, sid);
        assert.equal(t.engine._ownedCount, 0);
        t.engine.clients[sid]!.send("hi");
        assert.equal((await a.next()).body, "4hi");
      } finally {
        a.destroy();
        await t.close();
      }
    }
  });

  test("a request listener added after attach still sees every request of an owned connection", async () => {
    const http = createServer();
    const engine = new Server({});
    engine.attach(http);
    const seen: string[] = [];
    http.on("request", (req) => seen.push(`${req.method} ${req.url}`));
    engine.on("connection", (socket: Socket) => socket.on("message", (d) => socket.send(d)));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = (http.address() as AddressInfo).port;
    const a = await RawHttpConnection.open(port);
    const b = await RawHttpConnection.open(port);
    try {
      const base = "/engine.io/?EIO=4&transport=polling";
      const sid = sidOf(await a.exchange(base));
      for (let i = 0; i < 3; i++) {
        a.request(`${base}&sid=${sid}`);
        await until(() => engine.clients[sid]?.transport.writable === true);
        await turn();
        assert.equal((await b.exchange(`${base}&sid=${sid}`, { body: `4m${i}` })).body, "ok");
        assert.equal((await a.next()).body, `4m${i}`);
      }
      // Handshake, then 3 polls and 3 POSTs: every one reached the application's listener.
      assert.equal(seen.length, 7);
    } finally {
      a.destroy();
      b.destroy();
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  test("garbage on an owned connection is node:http's business; other sessions keep working", async () => {
    const t = await startEcho({});
    const inputs = [
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.0\r\n\r\n",
      "GET /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\n\r\n", // no Host
      "POST /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n4a\r\n0\r\n\r\n",
      "POST /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n4ab",
      "GET /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
      "GET /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
      `GET /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nX: ${"a".repeat(20_000)}\r\n\r\n`,
      "POST /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
      "GET /engine.io/?EIO=4&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
      "\x00\x01\x02\xff\r\n\r\n",
    ];
    try {
      for (const input of inputs) {
        const { conn: a, sid } = await openHeldPoll(t);
        assert.equal(t.engine._ownedCount, 1);
        t.engine.clients[sid]!.send("ready");
        assert.equal((await a.next()).body, "4ready");
        // The connection is owned and idle: now the bad request.
        a.write(input.replaceAll("SID", sid));
        const answered = await Promise.race([a.next().then((r) => r.status), a.closed.then(() => 0)]);
        // Node's answers: an error status, 200 for what it can serve, 100 Continue, or a closed connection.
        assert.ok(
          answered === 0 || answered >= 400 || answered === 200 || answered === 100,
          `answer ${answered} to ${JSON.stringify(input.slice(0, 40))}`,
        );
        a.destroy();
        await until(() => t.engine._ownedCount === 0);
        // Everyone else is fine.
        const b = await RawHttpConnection.open(t.port);
        const sid2 = sidOf(await b.exchange(t.path("transport=polling")));
        assert.equal((await b.exchange(t.path(`transport=polling&sid=${sid2}`), { body: "4ok" })).body, "ok");
        assert.equal((await b.exchange(t.path(`transport=polling&sid=${sid2}`))).body, "4ok");
        b.destroy();
      }
    } finally {
      await t.close();
    }
  });

  test("random mutations of a poll head on an owned connection never crash the engine", async () => {
    const t = await startEcho({});
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    try {
      for (let i = 0; i < 60; i++) {
        const { conn: a, sid } = await openHeldPoll(t);
        t.engine.clients[sid]!.send("go");
        await a.next();
        const bytes = Buffer.from(
          `POST ${t.path(`transport=polling&sid=${sid}`)} HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n4hello`,
        );
        for (let m = 0; m < 1 + random(4); m++) bytes[random(bytes.length)] = random(256);
        a.write(bytes);
        a.write("\r\n\r\n");
        await Promise.race([a.next().catch(() => null), a.closed, turn().then(turn).then(turn)]);
        a.destroy();
        await until(() => t.engine._ownedCount === 0);
      }
      const b = await RawHttpConnection.open(t.port);
      const sid = sidOf(await b.exchange(t.path("transport=polling")));
      assert.equal((await b.exchange(t.path(`transport=polling&sid=${sid}`), { body: "4fine" })).body, "ok");
      b.destroy();
    } finally {
      await t.close();
    }
  });
});
