/**
 * The `parser` option on the server: the official client with socket.io-msgpack-parser against a Plexus
 * server using the same package, and using Plexus's own msgpackParser (same wire), over WebSocket and
 * polling: events, binary both ways, acks both ways, broadcasts (encoded once) and namespaces with auth.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { msgpackParser, type Parser, type Socket } from "@plexus/server";
import { next, RawWebSocket, startServer, type TestServer } from "./helpers.js";

const officialParser = createRequire(import.meta.url)("socket.io-msgpack-parser") as Parser;

async function connected(s: TestServer, transport: "polling" | "websocket", nsp = "/", auth?: object) {
  const serverSide = next<[Socket]>(s.io.of(nsp), "connection");
  const client = s.client(nsp, {
    transports: [transport],
    parser: officialParser,
    ...(auth === undefined ? {} : { auth }),
  });
  const [server] = await serverSide;
  await next(client, "connect");
  return { client, server };
}

const serverParsers: [string, Parser][] = [
  ["socket.io-msgpack-parser", officialParser],
  ["Plexus msgpackParser", msgpackParser],
];

for (const [parserName, parser] of serverParsers) {
  for (const transport of ["websocket", "polling"] as const) {
    describe(`official client + msgpack ↔ Plexus server + ${parserName} (${transport})`, {
      timeout: 30_000,
    }, () => {
      test("events and acks both ways, binary anywhere in the arguments", async () => {
        await using s = await startServer({ parser });
        const { client, server } = await connected(s, transport);

        const got = next<unknown[]>(server, "files");
        client.emit("files", { buf: Buffer.from([1, 2, 3]), n: 1.5, list: ["a", null, true] });
        const [payload] = (await got) as [{ buf: Buffer; n: number; list: unknown[] }];
        assert.ok(Buffer.isBuffer(payload.buf));
        assert.deepEqual([...payload.buf], [1, 2, 3]);
        assert.equal(payload.n, 1.5);
        assert.deepEqual(payload.list, ["a", null, true]);

        server.on("echo", (data: Buffer, ack: (d: unknown) => void) => ack({ back: data, at: new Date(5) }));
        const answer = (await client.emitWithAck("echo", Buffer.from([4, 5]))) as { back: Buffer; at: Date };
        assert.deepEqual([...answer.back], [4, 5]);
        assert.deepEqual(answer.at, new Date(5));

        client.on("ask", (x: number, ack: (d: unknown) => void) => ack([x + 1, Buffer.from([6])]));
        const reply = (await server.emitWithAck("ask", 41)) as [number, Buffer];
        assert.equal(reply[0], 42);
        assert.deepEqual([...reply[1]], [6]);
      });

      test("a broadcast with binary reaches every client", async () => {
        await using s = await startServer({ parser });
        const a = await connected(s, transport);
        const b = await connected(s, transport);
        const both = Promise.all([next(a.client, "news"), next(b.client, "news")]);
        s.io.emit("news", "hello", { data: Buffer.from([1, 2]) });
        for (const [text, obj] of (await both) as unknown as [string, { data: Buffer }][]) {
          assert.equal(text, "hello");
          assert.deepEqual([...obj.data], [1, 2]);
        }
      });

      test("a namespace with auth, and a middleware refusal as connect_error", async () => {
        await using s = await startServer({ parser });
        s.io.of("/admin").use((socket, nextFn) => {
          if (socket.handshake.auth.token === "ok") nextFn();
          else nextFn(Object.assign(new Error("denied"), { data: { why: "token" } }));
        });
        const { client } = await connected(s, transport, "/admin", { token: "ok" });
        assert.equal(client.connected, true);

        const refused = s.client("/admin", { transports: [transport], parser: officialParser, auth: {} });
        const [err] = await next<[Error & { data?: unknown }]>(refused, "connect_error");
        assert.equal(err.message, "denied");
        assert.deepEqual(err.data, { why: "token" });
      });
    });
  }
}

test("io.encoder is the parser's Encoder; without the option, the built-in one", async () => {
  await using s = await startServer({ parser: officialParser });
  assert.ok(s.io.encoder instanceof officialParser.Encoder);
  await using d = await startServer();
  assert.deepEqual(d.io.encoder.encode({ type: 2, nsp: "/", data: ["a"] }), ['2["a"]']);
});

test("a message the parser cannot decode closes that connection only", async () => {
  await using s = await startServer({ parser: msgpackParser });
  const { client, server } = await connected(s, "websocket");
  server.on("ping?", (ack: (x: string) => void) => ack("pong"));
  const raw = new RawWebSocket(s.port);
  await raw.opened();
  raw.send("440"); // a text CONNECT: not msgpack
  await raw.closed;
  assert.equal(await client.emitWithAck("ping?"), "pong");
});

test("a parser option without Encoder/Decoder classes is refused", async () => {
  await assert.rejects(async () => startServer({ parser: {} as Parser }), { code: "ERR_INVALID_ARGUMENT" });
});
