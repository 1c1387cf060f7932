/**
 * Engine options of socket.io-client and the details of `disconnect`, at the wire level (scripted polling and
 * WebSocket peers) and against real servers: `timestampRequests`/`timestampParam`, `forceBase64`,
 * `transportOptions`, `protocols`, `agent`, the TLS options, and `(reason, details)` of every transport failure.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { ClientError, type ConnectOptions, io, type Socket } from "@plexus/client";
import { Server as SocketIoServer } from "socket.io";
import { deferred, next } from "./deferred.js";
import { openPacket, RawPollingServer } from "./raw-polling-server.js";
import { serverFactories, startServer } from "./servers.js";
import { WsPeer } from "./ws-peer.js";

function client(t: TestContext, url: string, opts: ConnectOptions): Socket {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  t.after(() => socket.disconnect());
  return socket;
}

async function polling(t: TestContext, opts: ConnectOptions) {
  const server = await RawPollingServer.start();
  t.after(() => server.close());
  const socket = client(t, server.url, { transports: ["polling"], ...opts });
  const handshake = await server.next("GET");
  handshake.respond(openPacket("SID"));
  const connectBody = await server.post();
  const poll = await server.next("GET");
  const connected = next(socket, "connect");
  poll.respond('40{"sid":"S1"}');
  await connected;
  return { server, socket, handshake, connectBody, poll };
}

async function websocket(t: TestContext, opts: ConnectOptions) {
  const peer = await WsPeer.start();
  t.after(() => peer.close());
  const connection = peer.next();
  const socket = client(t, peer.url, { transports: ["websocket"], ...opts });
  const conn = await connection;
  if (!socket.connected) await next(socket, "connect");
  return { peer, socket, conn, query: new URL(conn.request.url ?? "/", "http://x").searchParams };
}

describe("engine options (wire level)", { timeout: 60_000 }, () => {
  it("timestampParam names the polling cache buster; timestampRequests: false drops it", async (t) => {
    const a = await polling(t, { timestampParam: "ts" });
    assert.ok(a.handshake.query.get("ts"));
    assert.equal(a.handshake.query.has("t"), false);
    const b = await polling(t, { timestampRequests: false });
    assert.equal(b.handshake.query.has("t"), false);
  });

  it("forceBase64 asks for b64 on the polling handshake only", async (t) => {
    const { server, socket, handshake } = await polling(t, { forceBase64: true });
    assert.equal(handshake.query.get("b64"), "1");
    socket.emit("bin", Buffer.from([1, 2, 3]));
    const post = await server.next("POST");
    post.respond("ok");
    assert.equal(post.query.has("b64"), false, "not once the session exists");
    assert.equal(post.body, '451-["bin",{"_placeholder":true,"num":0}]\x1ebAQID');
  });

  it("transportOptions override the options of one transport", async (t) => {
    const { handshake, server, socket } = await polling(t, {
      extraHeaders: { "x-a": "all", "x-b": "all" },
      transportOptions: { polling: { extraHeaders: { "x-a": "polling" } }, websocket: { extraHeaders: {} } },
    });
    assert.equal(handshake.headers["x-a"], "polling");
    assert.equal(handshake.headers["x-b"], undefined, "the override replaces the whole option");
    socket.emit("e");
    const post = await server.next("POST");
    post.respond("ok");
    assert.equal(post.headers["x-a"], "polling");
  });

  it("withCredentials in Node keeps the cookies the server sets and sends them back", async (t) => {
    for (const withCredentials of [true, false]) {
      const server = await RawPollingServer.start();
      t.after(() => server.close());
      client(t, server.url, { transports: ["polling"], withCredentials });
      (await server.next("GET")).respond(openPacket("SID"), 200, {
        "set-cookie": ["sticky=abc; Path=/; HttpOnly", "gone=1; Max-Age=0", 'quoted="q"'],
      });
      const connect = await server.next("POST");
      connect.respond("ok");
      assert.equal(connect.headers.cookie, withCredentials ? "sticky=abc; quoted=q" : undefined);
      const poll = await server.next("GET");
      assert.equal(poll.headers.cookie, withCredentials ? "sticky=abc; quoted=q" : undefined);
      poll.respond("6", 200, { "set-cookie": "sticky=; Max-Age=0" });
      if (withCredentials) assert.equal((await server.next("GET")).headers.cookie, "quoted=q", "deleted");
    }
  });

  it("a failed poll disconnects with transport error and an xhr poll error carrying status and response", async (t) => {
    const { server, socket, poll } = await polling(t, {});
    void poll;
    const disconnected = next<[string, ClientError]>(socket, "disconnect");
    (await server.next("GET")).respond("nope", 400);
    const [reason, err] = await disconnected;
    assert.equal(reason, "transport error");
    assert.ok(err instanceof ClientError);
    assert.equal(err.message, "xhr poll error");
    assert.equal(err.type, "TransportError");
    assert.equal(err.description, 400);
    assert.equal((err.context as { statusCode: number }).statusCode, 400);
  });

  it("requestTimeout fails a polling request the server holds too long", async (t) => {
    // The held request is the client's first: any request before it would be under the same 50 ms, and
    // on a busy machine the test's own answer to it can come later than that (the client then fails
    // there, and the test would wait for a connection that never opens).
    const server = await RawPollingServer.start();
    t.after(() => server.close());
    const socket = client(t, server.url, { transports: ["polling"], requestTimeout: 50 });
    const failed = next<[ClientError]>(socket, "connect_error");
    await server.next("GET"); // the handshake, never answered
    const [err] = await failed;
    assert.ok(err instanceof ClientError);
    assert.equal(err.message, "xhr poll error");
    assert.equal(err.type, "TransportError");
    assert.match((err.description as Error).message, /timeout/);
  });

  it("a failed POST is an xhr post error", async (t) => {
    const { server, socket } = await polling(t, {});
    const disconnected = next<[string, ClientError]>(socket, "disconnect");
    socket.emit("e");
    (await server.next("POST")).respond("nope", 500);
    const [reason, err] = await disconnected;
    assert.equal(reason, "transport error");
    assert.equal(err.message, "xhr post error");
    assert.equal(err.description, 500);
  });

  it("a network failure passes the error as description", async (t) => {
    const { server, socket } = await polling(t, {});
    const disconnected = next<[string, ClientError]>(socket, "disconnect");
    await server.close();
    const [reason, err] = await disconnected;
    assert.equal(reason, "transport error");
    assert.equal(err.message, "xhr poll error");
    assert.ok(err.description instanceof Error);
  });

  it("a closed WebSocket disconnects with {description, context: CloseEvent}", async (t) => {
    const { socket, conn } = await websocket(t, {});
    const disconnected = next<[string, { description: string; context: { code: number; reason: string } }]>(
      socket,
      "disconnect",
    );
    conn.ws.close(4001, "bye");
    const [reason, details] = await disconnected;
    assert.equal(reason, "transport close");
    assert.equal(details.description, "websocket connection closed");
    assert.equal(details.context.code, 4001);
    assert.equal(details.context.reason, "bye");
  });

  it("WebSocket: protocols, timestampRequests: true, and transportOptions.websocket headers", async (t) => {
    const { conn, query } = await websocket(t, {
      protocols: ["chat"],
      timestampRequests: true,
      timestampParam: "ts",
      extraHeaders: { "x-a": "all" },
      transportOptions: { websocket: { extraHeaders: { "x-a": "ws" } } },
    });
    assert.equal(conn.request.headers["sec-websocket-protocol"], "chat");
    assert.equal(conn.ws.protocol, "chat");
    assert.ok(query.get("ts"));
    assert.equal(conn.request.headers["x-a"], "ws");
  });

  it("WebSocket sends no cache buster by default", async (t) => {
    const { query } = await websocket(t, {});
    assert.equal(query.has("t"), false);
    assert.equal(query.has("b64"), false);
  });

  it("forceBase64 over WebSocket: b64=1, binary as b<base64> text frames both ways", async (t) => {
    const { socket, conn, query } = await websocket(t, { forceBase64: true });
    assert.equal(query.get("b64"), "1");
    socket.emit("bin", Buffer.from([1, 2, 3]));
    const frames = await conn.frame(2);
    assert.deepEqual(frames, ['451-["bin",{"_placeholder":true,"num":0}]', "bAQID"]);
    const received = next<[Buffer]>(socket, "back");
    conn.ws.send('451-["back",{"_placeholder":true,"num":0}]');
    conn.ws.send("bBAUG");
    const [bytes] = await received;
    assert.deepEqual([...bytes], [4, 5, 6]);
  });
});

describe("engine options against real servers", { timeout: 60_000 }, () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "plexus-tls-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...[
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
      ],
      { stdio: "ignore" },
    );
    key = readFileSync(join(dir, "key.pem"));
    cert = readFileSync(join(dir, "cert.pem"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function httpsServer(t: TestContext): Promise<string> {
    const https = createHttpsServer({ key, cert });
    const srv = new SocketIoServer(https, { serveClient: false });
    srv.on("connection", (socket) => socket.emit("via", socket.conn.transport.name));
    https.listen(0, "127.0.0.1");
    await once(https, "listening");
    t.after(async () => {
      srv.close();
      https.closeAllConnections();
    });
    return `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  }

  it("TLS: trusts a server through `ca`, upgrades to wss, and refuses an unknown certificate", async (t) => {
    const url = await httpsServer(t);
    const trusted = client(t, url, { ca: cert });
    await next(trusted, "connect");
    const [upgraded] = await next<[{ name: string }]>(trusted.io.engine, "upgrade");
    assert.equal(upgraded.name, "websocket");

    const ws = client(t, url, { ca: cert, transports: ["websocket"] });
    const [via] = await next<[string]>(ws, "via");
    assert.equal(via, "websocket");

    const refused = client(t, url, {});
    const [err] = await next<[ClientError]>(refused, "connect_error");
    assert.equal(err.message, "xhr poll error");
    assert.match(String((err.description as Error).message), /self.signed|certificate/i);

    const lax = client(t, url, { rejectUnauthorized: false, transports: ["websocket"] });
    await next(lax, "connect");
    assert.equal(lax.connected, true);
  });

  it("withCredentials in Node sends the server's cookies with the WebSocket upgrade", async (t) => {
    const http = createHttpServer();
    const srv = new SocketIoServer(http, { serveClient: false });
    srv.engine.on("initial_headers", (headers: Record<string, unknown>) => {
      headers["set-cookie"] = ["sticky=abc; Path=/"];
    });
    const upgradeCookie = deferred<string | undefined>();
    http.prependListener("upgrade", (req: IncomingMessage) => upgradeCookie.resolve(req.headers.cookie));
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    t.after(() => {
      srv.close();
      http.closeAllConnections();
    });
    const socket = client(t, `http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      withCredentials: true,
    });
    assert.equal(await upgradeCookie.promise, "sticky=abc");
    if (socket.io.engine.transport.name !== "websocket") await next(socket.io.engine, "upgrade");
    assert.equal(socket.connected, true);
  });

  for (const factory of serverFactories) {
    for (const transport of ["polling", "websocket"]) {
      it(`forceBase64 round-trips binary over ${transport} (${factory.name})`, async (t) => {
        const s = await startServer(factory, (srv) =>
          srv.on("connection", (socket) =>
            socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
          ),
        );
        t.after(() => s.close());
        const socket = client(t, s.url, { forceBase64: true, transports: [transport as "polling"] });
        const back = (await socket.emitWithAck("echo", { bytes: Buffer.from([1, 2, 250]) })) as {
          bytes: Buffer;
        };
        assert.deepEqual([...back.bytes], [1, 2, 250]);
      });
    }
    it(`agent carries polling requests and the WebSocket handshake (${factory.name})`, async (t) => {
      const s = await startServer(factory, () => {});
      t.after(() => s.close());
      let connections = 0;
      class CountingAgent extends Agent {
        override createConnection(...args: Parameters<Agent["createConnection"]>) {
          connections++;
          return super.createConnection(...args);
        }
      }
      const agent = new CountingAgent();
      t.after(() => agent.destroy());
      const polled = client(t, s.url, { agent, transports: ["polling"] });
      await next(polled, "connect");
      assert.ok(connections > 0, "polling went through the agent");
      const before = connections;
      const ws = client(t, s.url, { agent, transports: ["websocket"] });
      await next(ws, "connect");
      assert.ok(connections > before, "the WebSocket handshake went through the agent");
    });
  }
});
