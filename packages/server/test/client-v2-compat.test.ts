/**
 * `allowEIO3: true`, the documented migration path: an official socket.io-client v2 (Engine.IO 3, Socket.IO
 * protocol 4) connects. In that protocol the server joins `/` by itself and answers CONNECT with a bare `0`
 * (no sid: the socket id is the engine id, `<nsp>#<engine id>` outside `/`); a CONNECT carries the
 * namespace's query (`0/nsp?foo=bar,`), which becomes the socket's `auth`; a refusal's data is the error's
 * `data` or message (issue 15).
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import type { Socket } from "@plexus/server";
import { next, startServer } from "./helpers.js";

/** The part of the v2 client API these tests use. */
interface V2Socket {
  id: string;
  connected: boolean;
  on(event: string, fn: (...args: never[]) => void): V2Socket;
  once(event: string, fn: (...args: never[]) => void): V2Socket;
  emit(event: string, ...args: unknown[]): V2Socket;
  close(): void;
}
type V2Connect = (url: string, opts?: Record<string, unknown>) => V2Socket;

const require = createRequire(import.meta.url);
const ioV2 = require("socket.io-client-v2") as V2Connect;

function connectV2(url: string, transports: string[]): V2Socket {
  return ioV2(url, { forceNew: true, reconnection: false, transports });
}

function ask(socket: V2Socket, event: string): Promise<unknown> {
  return new Promise((resolve) => socket.emit(event, resolve));
}

for (const transport of ["polling", "websocket"]) {
  test(`socket.io-client v2 over ${transport}: connects to / and to a namespace with a query`, {
    timeout: 20_000,
  }, async () => {
    await using s = await startServer({ allowEIO3: true });
    const describe = (socket: Socket) => (ack: (v: unknown) => void) =>
      ack({
        nsp: socket.nsp.name,
        id: socket.id,
        auth: socket.handshake.auth,
        query: socket.handshake.query,
      });
    s.io.on("connection", (socket) => socket.on("describe", describe(socket)));
    s.io.of("/nsp").on("connection", (socket) => socket.on("describe", describe(socket)));
    const main = connectV2(s.url, [transport]);
    const nsp = connectV2(`${s.url}/nsp?foo=bar`, [transport]);
    try {
      await Promise.all([next(main, "connect"), next(nsp, "connect")]);
      const [root, other] = (await Promise.all([ask(main, "describe"), ask(nsp, "describe")])) as {
        nsp: string;
        id: string;
        auth: Record<string, string>;
        query: Record<string, string>;
      }[];
      assert.equal(root!.nsp, "/");
      assert.equal(root!.id, main.id, "the socket id is the engine id in protocol 4");
      assert.equal(other!.nsp, "/nsp");
      assert.equal(other!.id, nsp.id);
      assert.ok(other!.id.startsWith("/nsp#"));
      assert.deepEqual(other!.auth, { foo: "bar" });
      assert.equal(other!.query.foo, "bar", "the handshake query carries it too");
      assert.equal(other!.query.EIO, "3");
    } finally {
      main.close();
      nsp.close();
    }
  });
}

test("socket.io-client v2: a refused namespace gets `error` with the error's data, or its message", {
  timeout: 20_000,
}, async () => {
  await using s = await startServer({ allowEIO3: true });
  s.io.of("/private").use((_socket, next) => next(new Error("not allowed")));
  s.io.of("/data").use((_socket, next) => next(Object.assign(new Error("x"), { data: { code: 7 } })));
  const refused = connectV2(`${s.url}/private`, ["websocket"]);
  const withData = connectV2(`${s.url}/data`, ["websocket"]);
  const unknown = connectV2(`${s.url}/nowhere`, ["websocket"]);
  try {
    assert.deepEqual(await next(refused, "error"), ["not allowed"]);
    assert.deepEqual(await next(withData, "error"), [{ code: 7 }]);
    assert.deepEqual(await next(unknown, "error"), [{ message: "Invalid namespace" }]);
  } finally {
    refused.close();
    withData.close();
    unknown.close();
  }
});

test("socket.io-client v2: events, acks, broadcasts and a server-side disconnect", {
  timeout: 20_000,
}, async () => {
  await using s = await startServer({ allowEIO3: true });
  s.io.on("connection", (socket) => {
    socket.on("echo", (data: unknown, ack: (d: unknown) => void) => ack(data));
    socket.on("bye", () => socket.disconnect());
  });
  const client = connectV2(s.url, ["websocket"]);
  try {
    await next(client, "connect");
    const data = { text: "hi", bytes: Buffer.from([1, 2, 3]) };
    const echoed = (await new Promise((resolve) => client.emit("echo", data, resolve))) as typeof data;
    assert.equal(echoed.text, "hi");
    assert.deepEqual([...echoed.bytes], [1, 2, 3]);
    const news = next(client, "news");
    s.io.emit("news", 1);
    assert.deepEqual(await news, [1]);
    const gone = next(client, "disconnect");
    client.emit("bye");
    assert.deepEqual(await gone, ["io server disconnect"]);
  } finally {
    client.close();
  }
});
