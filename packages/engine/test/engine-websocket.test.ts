/**
 * WebSocket transport (PROTOCOL.md §A5, §A8) with a raw `ws` client.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "@plexus/engine";
import {
  deferred,
  handshake,
  nextConnection,
  rawUpgrade,
  startEngine,
  type TestEngine,
  WsClient,
  wsUrl,
} from "./engine-helpers.js";

describe("websocket", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ maxHttpBufferSize: 1000 });
    t.engine.on("connection", (socket: Socket) => {
      socket.on("message", (data) => socket.send(data));
    });
  });
  after(() => t.close());

  test("websocket-only handshake: open packet is the first text frame, upgrades []", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const first = await c.nextText();
    assert.equal(first[0], "0");
    const open = JSON.parse(first.slice(1));
    assert.deepEqual(Object.keys(open), ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"]);
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.maxPayload, 1000);
    assert.equal(t.engine.clients[open.sid]?.transport.name, "websocket");
    c.ws.close();
    await c.closed;
  });

  test("text and binary echo: binary frames carry raw bytes, no prefix", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    await c.nextText();
    c.send("4hello");
    assert.equal(await c.nextText(), "4hello");
    c.send(Buffer.from([1, 2, 3, 4]));
    const m = await c.next();
    assert.equal(m.isBinary, true);
    assert.deepEqual([...(m.data as Buffer)], [1, 2, 3, 4]);
    c.ws.close();
    await c.closed;
  });

  test("a `b<base64>` text frame is a binary message (clients with forceBase64)", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    await c.nextText();
    c.send("bAQIDBA==");
    const m = await c.next();
    assert.equal(m.isBinary, true);
    assert.deepEqual([...(m.data as Buffer)], [1, 2, 3, 4]);
    c.ws.close();
    await c.closed;
  });

  test("frame larger than maxHttpBufferSize → close 1009", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const sid = JSON.parse((await c.nextText()).slice(1)).sid as string;
    const socket = t.engine.clients[sid]!;
    const reason = deferred<string>();
    socket.once("close", (r: string) => reason.resolve(r));
    c.send(`4${"x".repeat(2000)}`);
    const { code } = await c.closed;
    assert.equal(code, 1009);
    assert.equal(await reason.promise, "transport error");
    assert.equal(t.engine.clients[sid], undefined);
  });

  test("client 1 frame closes the session right away ('transport close')", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const sid = JSON.parse((await c.nextText()).slice(1)).sid as string;
    const reason = deferred<string>();
    t.engine.clients[sid]!.once("close", (r: string) => reason.resolve(r));
    c.send("1");
    assert.equal(await reason.promise, "transport close");
    await c.closed;
  });

  test("TCP close ends the session with 'transport close'", async () => {
    const conn = nextConnection(t.engine);
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const socket = await conn;
    const reason = deferred<string>();
    socket.once("close", (r: string) => reason.resolve(r));
    await c.nextText();
    c.ws.terminate();
    assert.equal(await reason.promise, "transport close");
  });

  test("a TCP reset (ECONNRESET) ends the session with 'transport close', as engine.io's", async () => {
    const conn = nextConnection(t.engine);
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const socket = await conn;
    const reason = deferred<string>();
    const errors: unknown[] = [];
    socket.on("error", (e: unknown) => errors.push(e));
    socket.once("close", (r: string) => reason.resolve(r));
    await c.nextText();
    // A peer that goes away abruptly (a browser tearing a page down): RST instead of FIN.
    (c.ws as unknown as { _socket: import("node:net").Socket })._socket.resetAndDestroy();
    assert.equal(await reason.promise, "transport close");
    assert.deepEqual(errors, []);
  });

  test("server close: the WebSocket is closed ('forced close')", async () => {
    const conn = nextConnection(t.engine);
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const socket = await conn;
    await c.nextText();
    const reason = deferred<string>();
    socket.once("close", (r: string) => reason.resolve(r));
    socket.send("last");
    socket.close();
    assert.equal(await c.nextText(), "4last");
    assert.equal(await reason.promise, "forced close");
    await c.closed;
  });

  test("malformed packet → parse error and the socket is closed", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const sid = JSON.parse((await c.nextText()).slice(1)).sid as string;
    const reason = deferred<string>();
    t.engine.clients[sid]!.once("close", (r: string) => reason.resolve(r));
    c.send("abc");
    assert.equal(await reason.promise, "parse error");
    await c.closed;
  });

  test("2probe on a websocket-only session closes it", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket"));
    const sid = JSON.parse((await c.nextText()).slice(1)).sid as string;
    const reason = deferred<string>();
    t.engine.clients[sid]!.once("close", (r: string) => reason.resolve(r));
    c.send("2probe");
    assert.equal(await reason.promise, "transport error");
    await c.closed;
  });

  test("upgrade errors are raw 400 text/html with the message", async () => {
    const unknown = await rawUpgrade(t.port, t.path("transport=websocket&sid=nope"));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers["content-type"], "text/html");
    assert.equal(unknown.body, "Session ID unknown");
    const badTransport = await rawUpgrade(t.port, t.path("transport=foo"));
    assert.equal(badTransport.status, 400);
    assert.equal(badTransport.body, "Transport unknown");
    const badEio = await rawUpgrade(t.port, t.path("transport=websocket", "3"));
    assert.equal(badEio.status, 400);
    assert.equal(badEio.body, "Unsupported protocol version");
  });

  test("middleware failure during an upgrade → 400 text 'Bad request'", async () => {
    const f = await startEngine();
    try {
      f.engine.use((_req, _res, next) => next(new Error("no")));
      const r = await rawUpgrade(f.port, f.path("transport=websocket"));
      assert.equal(r.status, 400);
      assert.equal(r.headers["content-type"], "text/html");
      assert.equal(r.body, "Bad request");
    } finally {
      await f.close();
    }
  });

  test("allowRequest refusal during an upgrade is a 400 text body, not 403 JSON", async () => {
    const f = await startEngine({ allowRequest: (_req, fn) => fn("go away", false) });
    try {
      const r = await rawUpgrade(f.port, f.path("transport=websocket"));
      assert.equal(r.status, 400);
      assert.equal(r.headers["content-type"], "text/html");
      assert.equal(r.body, "go away");
    } finally {
      await f.close();
    }
  });

  test("upgrade request with transport=polling gets 101 then a close", async () => {
    const c = new WsClient(wsUrl(t, "transport=polling"));
    await c.opened;
    const { code } = await c.closed;
    assert.equal(code, 1000);
  });

  test("a second WebSocket for an upgraded session is closed", async () => {
    const { sid } = await handshake(t);
    const a = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await a.opened;
    a.send("2probe");
    assert.equal(await a.nextText(), "3probe");
    a.send("5");
    const b = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`));
    await b.closed;
    a.send("4still here");
    assert.equal(await a.nextText(), "4still here");
    a.ws.close();
    await a.closed;
  });
});

describe("websocket batching", () => {
  test("packets sent in one tick arrive in order", async () => {
    const t = await startEngine();
    try {
      const conn = nextConnection(t.engine);
      const c = new WsClient(wsUrl(t, "transport=websocket"));
      const socket = await conn;
      await c.nextText();
      for (let i = 0; i < 50; i++) socket.send(`m${i}`);
      for (let i = 0; i < 50; i++) assert.equal(await c.nextText(), `4m${i}`);
      c.ws.close();
      await c.closed;
    } finally {
      await t.close();
    }
  });
});

describe("websocket permessage-deflate", () => {
  test("negotiated when enabled; large messages round-trip compressed", async () => {
    const t = await startEngine({ perMessageDeflate: true });
    try {
      t.engine.on("connection", (socket: Socket) => socket.on("message", (d) => socket.send(d)));
      const c = new WsClient(wsUrl(t, "transport=websocket"), { perMessageDeflate: true });
      await c.nextText();
      assert.match(String(c.ws.extensions), /permessage-deflate/);
      const big = `4${"abc".repeat(2000)}`;
      c.send(big);
      assert.equal(await c.nextText(), big);
      c.ws.close();
      await c.closed;
    } finally {
      await t.close();
    }
  });
});

describe("websocket handshake headers", () => {
  test("initial_headers/headers hooks and CORS headers go into the 101", async () => {
    const t = await startEngine({ cors: { origin: "*" } });
    try {
      t.engine.on("initial_headers", (h: Record<string, string>) => {
        h["x-initial"] = "1";
      });
      t.engine.on("headers", (h: Record<string, string>) => {
        h["x-every"] = "2";
      });
      const c = new WsClient(wsUrl(t, "transport=websocket"), { headers: { Origin: "https://o.example" } });
      const upgrade = deferred<import("node:http").IncomingMessage>();
      c.ws.once("upgrade", upgrade.resolve);
      const res = await upgrade.promise;
      assert.equal(res.headers["x-initial"], "1");
      assert.equal(res.headers["x-every"], "2");
      assert.equal(res.headers["access-control-allow-origin"], "*");
      assert.equal((await c.nextText())[0], "0");
      c.ws.close();
      await c.closed;
    } finally {
      await t.close();
    }
  });
});

describe("websocket send callbacks", () => {
  test("callbacks run after the write, in order, and later sends still arrive in order", async () => {
    const t = await startEngine();
    try {
      const conn = nextConnection(t.engine);
      const c = new WsClient(wsUrl(t, "transport=websocket"));
      const socket: Socket = await conn;
      await c.nextText();
      const calls: string[] = [];
      const done = deferred();
      socket.send("x", {}, () => calls.push("x"));
      socket.send("y", () => {
        calls.push("y");
        done.resolve();
      });
      socket.send("z");
      await done.promise;
      assert.deepEqual(calls, ["x", "y"]);
      for (const expected of ["4x", "4y", "4z"]) assert.equal(await c.nextText(), expected);
      socket.send("after");
      assert.equal(await c.nextText(), "4after");
      c.ws.close();
      await c.closed;
    } finally {
      await t.close();
    }
  });
});
