/**
 * The `parser` option on the Plexus client: against the official socket.io server with
 * socket.io-msgpack-parser (the client using that package, or Plexus's own msgpackParser: same wire), and
 * against a Plexus server with msgpackParser, over WebSocket and polling: events, binary both ways, acks
 * both ways.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { io, msgpackParser, type Parser, type Socket } from "@plexus/client";
import { Server as PlexusServer } from "@plexus/server";
import { Server as SocketIoServer } from "socket.io";
import { next } from "./deferred.js";

const officialParser = createRequire(import.meta.url)("socket.io-msgpack-parser") as Parser;

type AnyServer = Pick<SocketIoServer, "on" | "close">;

async function listen(t: TestContext, make: (http: ReturnType<typeof createServer>) => AnyServer) {
  const http = createServer();
  const server = make(http);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  t.after(() => server.close());
  return { server, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

const servers: [string, (http: ReturnType<typeof createServer>) => AnyServer][] = [
  ["socket.io + socket.io-msgpack-parser", (http) => new SocketIoServer(http, { parser: officialParser })],
  [
    "@plexus/server + msgpackParser",
    (http) => new PlexusServer(http, { parser: msgpackParser }) as unknown as SocketIoServer,
  ],
];
const clientParsers: [string, Parser][] = [
  ["socket.io-msgpack-parser", officialParser],
  ["msgpackParser", msgpackParser],
];

for (const [serverName, make] of servers) {
  for (const [parserName, parser] of clientParsers) {
    for (const transport of ["websocket", "polling"] as const) {
      describe(`Plexus client + ${parserName} ↔ ${serverName} (${transport})`, { timeout: 30_000 }, () => {
        it("events, binary and acks both ways", async (t) => {
          const { server, url } = await listen(t, make);
          server.on("connection", (socket) => {
            socket.on("echo", (data: unknown, ack: (d: unknown) => void) => ack({ back: data }));
            socket.emit("hello", "world", { bin: Buffer.from([1, 2]) }, 7);
            socket.on("ready", async () => {
              const reply = await socket.emitWithAck("ask", 41);
              socket.emit("answer", reply);
            });
          });
          const client: Socket = io(url, {
            forceNew: true,
            reconnection: false,
            transports: [transport],
            parser,
          });
          t.after(() => client.disconnect());

          const [word, obj, n] = await next<[string, { bin: Buffer }, number]>(client, "hello");
          assert.equal(word, "world");
          assert.ok(Buffer.isBuffer(obj.bin), "binary is a Buffer in Node");
          assert.deepEqual([...obj.bin], [1, 2]);
          assert.equal(n, 7);

          const answer = (await client.emitWithAck("echo", Buffer.from([3, 4]))) as { back: Buffer };
          assert.deepEqual([...answer.back], [3, 4]);

          client.on("ask", (x: number, ack: (d: unknown) => void) => ack([x + 1, Buffer.from([5])]));
          client.emit("ready");
          const [[value, bytes]] = await next<[[number, Buffer]]>(client, "answer");
          assert.equal(value, 42);
          assert.deepEqual([...bytes], [5]);
        });
      });
    }
  }
}
