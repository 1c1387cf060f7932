/**
 * Handshake and the HTTP error table (PROTOCOL.md §A1, §A2, §A9), on raw HTTP requests.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ConnectionErrorEvent } from "@plexus/engine";
import { deferred, handshake, nextConnection, raw, startEngine, type TestEngine } from "./engine-helpers.js";

const JSON_TYPE = "application/json";

describe("handshake", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine();
  });
  after(() => t.close());

  test("open packet has exactly sid, upgrades, pingInterval, pingTimeout, maxPayload", async () => {
    const { open, res } = await handshake(t);
    assert.equal(res.headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(res.headers["cache-control"], "no-store");
    assert.deepEqual(Object.keys(open), ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"]);
    assert.match(open.sid as string, /^[A-Za-z0-9_-]{20}$/);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.equal(open.maxPayload, 1000000);
    assert.equal(res.body, `0${JSON.stringify(open)}`);
  });

  test("session ids are unique", async () => {
    const a = await handshake(t);
    const b = await handshake(t);
    assert.notEqual(a.sid, b.sid);
  });

  test("old IE user agents get X-XSS-Protection: 0", async () => {
    const { res } = await handshake(t, {
      "User-Agent": "Mozilla/5.0 (compatible;MSIE 10.0; Windows NT 6.1)",
    });
    assert.equal(res.headers["x-xss-protection"], "0");
    const plain = await handshake(t);
    assert.equal(plain.res.headers["x-xss-protection"], undefined);
  });

  test("unknown transport → 400 code 0", async () => {
    for (const q of ["transport=foo", "x=1"]) {
      const res = await raw(t.port, t.path(q));
      assert.equal(res.status, 400);
      assert.equal(res.headers["content-type"], JSON_TYPE);
      assert.equal(res.body, '{"code":0,"message":"Transport unknown"}');
    }
  });

  test("unknown sid → 400 code 1 (GET and POST)", async () => {
    for (const method of ["GET", "POST"]) {
      const res = await raw(t.port, t.path("transport=polling&sid=nope"), { method, body: "4x" });
      assert.equal(res.status, 400);
      assert.equal(res.headers["content-type"], JSON_TYPE);
      assert.equal(res.body, '{"code":1,"message":"Session ID unknown"}');
    }
  });

  test("handshake with POST or PUT → 400 code 2", async () => {
    for (const method of ["POST", "PUT"]) {
      const res = await raw(t.port, t.path("transport=polling"), { method, body: "x" });
      assert.equal(res.status, 400);
      assert.equal(res.body, '{"code":2,"message":"Bad handshake method"}');
    }
  });

  test("websocket transport without Upgrade → 400 code 3", async () => {
    const res = await raw(t.port, t.path("transport=websocket"));
    assert.equal(res.status, 400);
    assert.equal(res.headers["content-type"], JSON_TYPE);
    assert.equal(res.body, '{"code":3,"message":"Bad request"}');
  });

  test("missing, non-numeric or 3 EIO → 400 code 5", async () => {
    for (const eio of [null, "abc", "3", "5"]) {
      const res = await raw(t.port, t.path("transport=polling", eio));
      assert.equal(res.status, 400, `EIO=${eio}`);
      assert.equal(res.body, '{"code":5,"message":"Unsupported protocol version"}');
    }
  });

  test("connection_error carries req, code, message, context", async () => {
    const got = deferred<ConnectionErrorEvent>();
    t.engine.once("connection_error", (e: ConnectionErrorEvent) => got.resolve(e));
    await raw(t.port, t.path("transport=polling&sid=zzz"));
    const e = await got.promise;
    assert.equal(e.code, 1);
    assert.equal(e.message, "Session ID unknown");
    assert.deepEqual(e.context, { sid: "zzz" });
    assert.equal(typeof e.req.headers, "object");
  });

  test("other paths are left to the HTTP server", async () => {
    const res = await raw(t.port, "/other");
    assert.equal(res.status, 404);
    assert.equal(res.body, "not engine");
  });
});

describe("handshake options", () => {
  test("allowRequest refusal → 403 with the given message, default Forbidden", async () => {
    const t = await startEngine({ allowRequest: (req, fn) => fn(req.headers["x-msg"] as string, false) });
    try {
      const a = await raw(t.port, t.path("transport=polling"), { headers: { "x-msg": "no way" } });
      assert.equal(a.status, 403);
      assert.equal(a.headers["content-type"], JSON_TYPE);
      assert.equal(a.body, '{"code":4,"message":"no way"}');
      const b = await raw(t.port, t.path("transport=polling"));
      assert.equal(b.status, 403);
      assert.equal(b.body, '{"code":4,"message":"Forbidden"}');
    } finally {
      await t.close();
    }
  });

  test("middleware failure and id generation failure → 400 code 3", async () => {
    const t = await startEngine();
    try {
      t.engine.use((req, _res, next) => next(req.headers["x-fail"] ? new Error("nope") : undefined));
      const a = await raw(t.port, t.path("transport=polling"), { headers: { "x-fail": "1" } });
      assert.equal(a.status, 400);
      assert.equal(a.body, '{"code":3,"message":"Bad request"}');
      t.engine.generateId = () => {
        throw new Error("boom");
      };
      const b = await raw(t.port, t.path("transport=polling"));
      assert.equal(b.status, 400);
      assert.equal(b.body, '{"code":3,"message":"Bad request"}');
      t.engine.generateId = () => Promise.resolve("custom-id");
      const c = await handshake(t);
      assert.equal(c.sid, "custom-id");
    } finally {
      await t.close();
    }
  });

  test("cookie: true sets io=<sid>; Path=/; HttpOnly; SameSite=Lax on the handshake only", async () => {
    const t = await startEngine({ cookie: true, pingInterval: 50 });
    try {
      const { sid, res } = await handshake(t);
      assert.deepEqual(res.headers["set-cookie"], [`io=${sid}; Path=/; HttpOnly; SameSite=Lax`]);
      const next = await raw(t.port, t.path(`transport=polling&sid=${sid}`));
      assert.equal(next.body, "2");
      assert.equal(next.headers["set-cookie"], undefined);
    } finally {
      await t.close();
    }
  });

  test("initial_headers and headers hooks can add headers", async () => {
    const t = await startEngine();
    try {
      t.engine.on("initial_headers", (h: Record<string, string>) => {
        h["x-initial"] = "yes";
      });
      t.engine.on("headers", (h: Record<string, string>) => {
        h["x-every"] = "yes";
      });
      const { sid, res } = await handshake(t);
      assert.equal(res.headers["x-initial"], "yes");
      assert.equal(res.headers["x-every"], "yes");
      const p = await raw(t.port, t.path(`transport=polling&sid=${sid}`), { method: "POST", body: "4a" });
      assert.equal(p.headers["x-initial"], undefined);
      assert.equal(p.headers["x-every"], "yes");
    } finally {
      await t.close();
    }
  });

  test("cors: preflight answered 204 with the configured headers; requests carry the origin", async () => {
    const t = await startEngine({
      cors: { origin: ["https://a.example", /\.b\.example$/], credentials: true },
    });
    try {
      const pre = await raw(t.port, t.path("transport=polling"), {
        method: "OPTIONS",
        headers: { Origin: "https://x.b.example", "Access-Control-Request-Headers": "content-type" },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.body, "");
      assert.equal(pre.headers["access-control-allow-origin"], "https://x.b.example");
      assert.equal(pre.headers["access-control-allow-credentials"], "true");
      assert.equal(pre.headers["access-control-allow-methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
      assert.equal(pre.headers["access-control-allow-headers"], "content-type");
      const { res } = await handshake(t, { Origin: "https://a.example" });
      assert.equal(res.headers["access-control-allow-origin"], "https://a.example");
      assert.match(String(res.headers.vary), /Origin/);
      const other = await handshake(t, { Origin: "https://evil.example" });
      assert.equal(other.res.headers["access-control-allow-origin"], undefined);
    } finally {
      await t.close();
    }
  });

  test("cors `headers`, the cors package's alias of `allowedHeaders`, answers the preflight", async () => {
    const t = await startEngine({ cors: { origin: "*", headers: ["x-token", "content-type"] } });
    try {
      const pre = await raw(t.port, t.path("transport=polling"), {
        method: "OPTIONS",
        headers: { Origin: "https://a.example", "Access-Control-Request-Headers": "x-other" },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers["access-control-allow-headers"], "x-token,content-type");
    } finally {
      await t.close();
    }
  });

  test("cors origin '*' and a custom path", async () => {
    const t = await startEngine({ cors: { origin: "*" }, path: "/socket.io/" });
    try {
      const { res, open } = await handshake(t, { Origin: "https://any.example" });
      assert.equal(res.headers["access-control-allow-origin"], "*");
      assert.equal(typeof open.sid, "string");
    } finally {
      await t.close();
    }
  });

  test("header values shared between sessions keep each session's own values", async () => {
    const t = await startEngine();
    try {
      const agents = ["agent/1 (same)", "agent/1 (same)", "agent/2 (other)", "agent/1 (same)"];
      const seen: (string | undefined)[] = [];
      for (const agent of agents) {
        const conn = nextConnection(t.engine);
        await handshake(t, { "User-Agent": agent, "Accept-Language": `lang-${seen.length % 2}` });
        const socket = await conn;
        seen.push(socket.handshake.headers["user-agent"]);
        assert.equal(socket.handshake.headers["accept-language"], `lang-${(seen.length - 1) % 2}`);
      }
      assert.deepEqual(seen, agents);
    } finally {
      await t.close();
    }
  });

  test("the session keeps a compact handshake record and a request-like view", async () => {
    const t = await startEngine();
    try {
      t.engine.use((req, _res, next) => {
        (req as unknown as { session: unknown }).session = { user: "ann" };
        next();
      });
      const conn = deferred<import("@plexus/engine").Socket>();
      t.engine.once("connection", conn.resolve);
      await raw(t.port, `${t.path("transport=polling")}&foo=bar`, { headers: { "x-custom": "1" } });
      const socket = await conn.promise;
      assert.equal(socket.handshake.query.foo, "bar");
      assert.equal(socket.handshake.headers["x-custom"], "1");
      assert.equal(socket.handshake.address, "127.0.0.1");
      assert.equal(socket.handshake.secure, false);
      assert.equal(socket.handshake.xdomain, false);
      assert.equal(socket.handshake.time, new Date(socket.handshake.issued).toString());
      assert.ok(Math.abs(socket.handshake.issued - Date.now()) < 60_000);
      assert.equal(socket.handshake.url, `${t.path("transport=polling")}&foo=bar`);
      // The query is parsed from the URL on first read, then kept: the same object, every key present.
      assert.equal(socket.handshake.query, socket.handshake.query);
      assert.deepEqual({ ...socket.handshake.query }, { EIO: "4", transport: "polling", foo: "bar" });
      assert.ok(Number.isInteger(socket.handshake.issued));
      assert.equal(socket.upgrading, false);
      assert.equal(socket.upgraded, false);
      // Reserved for the layer above; the engine leaves it alone.
      assert.equal(socket.owner, null);
      assert.equal(socket.request.headers["x-custom"], "1");
      assert.deepEqual(socket.request.session, { user: "ann" });
      assert.equal(socket.request.connection.remoteAddress, "127.0.0.1");
      // The Socket.IO memory tip `request = null` must not throw; the headers stay readable.
      socket.request = null;
      assert.equal(socket.request.headers["x-custom"], "1");
      assert.equal(socket.request.session, undefined);
      assert.equal(socket.remoteAddress, "127.0.0.1");
      assert.equal(socket.protocol, 4);
      assert.equal(socket.transport.name, "polling");
      assert.equal(t.engine.clientsCount, 1);
      assert.equal(t.engine.clients[socket.id], socket);
    } finally {
      await t.close();
    }
  });
});

describe("transports option", () => {
  test("polling-only or allowUpgrades:false advertise no upgrade; websocket-only refuses polling", async () => {
    for (const options of [{ transports: ["polling" as const] }, { allowUpgrades: false }]) {
      const t = await startEngine(options);
      try {
        const { open } = await handshake(t);
        assert.deepEqual(open.upgrades, []);
      } finally {
        await t.close();
      }
    }
    const ws = await startEngine({ transports: ["websocket"] });
    try {
      const r = await raw(ws.port, ws.path("transport=polling"));
      assert.equal(r.status, 400);
      assert.equal(r.body, '{"code":0,"message":"Transport unknown"}');
    } finally {
      await ws.close();
    }
  });
});

describe("entry points", () => {
  test("listen(port) serves the engine and answers 501 elsewhere; close() ends every session", async () => {
    const { listen } = await import("@plexus/engine");
    const ready = deferred();
    const engine = listen(0, { pingInterval: 60_000 }, () => ready.resolve());
    await ready.promise;
    const http = engine.httpServer!;
    const port = (http.address() as import("node:net").AddressInfo).port;
    try {
      const other = await raw(port, "/");
      assert.equal(other.status, 501);
      const res = await raw(port, "/engine.io/?EIO=4&transport=polling");
      const sid = JSON.parse(res.body.slice(1)).sid as string;
      const closed = deferred<string>();
      engine.clients[sid]!.once("close", (r: string) => closed.resolve(r));
      const pending = raw(port, `/engine.io/?EIO=4&transport=polling&sid=${sid}`);
      while (!engine.clients[sid]?.transport.writable) await new Promise<void>((r) => setImmediate(r));
      engine.close();
      assert.equal((await pending).body, "1");
      assert.equal(await closed.promise, "forced close");
      assert.equal(engine.clientsCount, 0);
    } finally {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });

  test("attach(httpServer, opts) keeps the server's own request listeners for other paths", async () => {
    const { attach } = await import("@plexus/engine");
    const { createServer } = await import("node:http");
    const http = createServer((_req, res) => res.end("app"));
    const engine = attach(http, { path: "/rt" });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    const port = (http.address() as import("node:net").AddressInfo).port;
    try {
      assert.equal((await raw(port, "/hello")).body, "app");
      const res = await raw(port, "/rt/?EIO=4&transport=polling");
      assert.equal(res.status, 200);
      assert.equal(res.body[0], "0");
      assert.equal(engine.clientsCount, 1);
    } finally {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });

  test("unanswered upgrades on other paths are ended after destroyUpgradeTimeout", async () => {
    const { Server } = await import("@plexus/engine");
    const { createServer } = await import("node:http");
    const { connect } = await import("node:net");
    const http = createServer();
    const engine = new Server();
    engine.attach(http, { destroyUpgradeTimeout: 20 });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    const port = (http.address() as import("node:net").AddressInfo).port;
    try {
      const ended = await new Promise<boolean>((resolve) => {
        const s = connect(port, "127.0.0.1", () =>
          s.write("GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
        );
        s.on("error", () => resolve(false));
        s.on("end", () => resolve(true));
      });
      assert.equal(ended, true);
    } finally {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });
});
