// The `ws` npm package as the reference client against our server side.
import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { frameText, ReadyState } from "../src/websocket/index.js";
import { deferred, startServer } from "./websocket-test-server.js";

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => {
    ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

async function open(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  await once(ws, "open");
  return ws;
}

/** Opens and returns the `Sec-WebSocket-Extensions` of the 101 (ws's `extensions` lists names only). */
async function openWithExtensions(
  url: string,
  options: WebSocket.ClientOptions,
): Promise<{ ws: WebSocket; extensions: string | undefined }> {
  const ws = new WebSocket(url, options);
  let extensions: string | undefined;
  ws.once("upgrade", (res) => {
    extensions = res.headers["sec-websocket-extensions"];
  });
  await once(ws, "open");
  return { ws, extensions };
}

const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];

describe("ws client ↔ our server", () => {
  it("echoes text and binary messages of every length class both ways", async () => {
    await using server = await startServer({ maxPayload: 2 * 1024 * 1024 }, (h) => {
      h.echo = true;
    });
    const ws = await open(server.url, { perMessageDeflate: false });
    const { handler } = await server.nextConnection();
    for (const size of SIZES) {
      const text = "x".repeat(size);
      ws.send(text);
      const echoedText = await nextMessage(ws);
      assert.equal(echoedText.isBinary, false);
      assert.equal(echoedText.data.toString(), text, `text ${size}`);

      const binary = Buffer.alloc(size);
      for (let i = 0; i < size; i++) binary[i] = (i * 31) & 0xff;
      ws.send(binary);
      const echoedBinary = await nextMessage(ws);
      assert.equal(echoedBinary.isBinary, true);
      assert.ok(echoedBinary.data.equals(binary), `binary ${size}`);
    }
    assert.equal(handler.messages.length, SIZES.length * 2);
    ws.close();
    await closed(ws);
  });

  it("round-trips unicode text", async () => {
    await using server = await startServer({}, (h) => {
      h.echo = true;
    });
    const ws = await open(server.url);
    const text = "héllo wörld € 😀 日本語 \u0000 \ufeff";
    ws.send(text);
    const { data, isBinary } = await nextMessage(ws);
    assert.equal(isBinary, false);
    assert.equal(data.toString("utf8"), text);
    ws.close();
    await closed(ws);
  });

  it("reassembles a message the client sends in fragments", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { handler } = await server.nextConnection();
    ws.send("frag", { fin: false });
    ws.send("men", { fin: false });
    ws.send("ted", { fin: true });
    ws.send(Buffer.from([1, 2]), { fin: false, binary: true });
    ws.send(Buffer.from([3]), { fin: true, binary: true });
    await handler.messageCount(2);
    assert.deepEqual(handler.messages, [
      { data: "fragmented", isBinary: false },
      { data: Buffer.from([1, 2, 3]), isBinary: true },
    ]);
    ws.close();
    await closed(ws);
  });

  it("answers a client ping with a pong carrying the payload, and reports pongs to the handler", async () => {
    await using server = await startServer();
    const pongSeen = deferred<Buffer>();
    const ws = await open(server.url);
    const { conn, handler } = await server.nextConnection();
    handler.onWebSocketPong = (payload: Buffer) => pongSeen.resolve(Buffer.from(payload));
    const pong = once(ws, "pong");
    ws.ping("are you there");
    const [payload] = (await pong) as [Buffer];
    assert.equal(payload.toString(), "are you there");
    conn.ping(Buffer.from("server ping"));
    assert.equal((await pongSeen.promise).toString(), "server ping");
    ws.close();
    await closed(ws);
  });

  it("completes a client-initiated close handshake with code and reason", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { handler } = await server.nextConnection();
    const clientClosed = closed(ws);
    ws.close(4000, "client bye");
    assert.deepEqual(await handler.closed.promise, { code: 4000, reason: "client bye" });
    // We echo the code (RFC 6455 §5.5.1).
    assert.equal((await clientClosed).code, 4000);
  });

  it("completes a server-initiated close handshake with code and reason", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { conn, handler } = await server.nextConnection();
    const clientClosed = closed(ws);
    conn.close(4001, "server bye");
    assert.equal(conn.readyState, ReadyState.CLOSING);
    assert.equal(conn.send("too late"), false);
    assert.deepEqual(await clientClosed, { code: 4001, reason: "server bye" });
    assert.deepEqual(await handler.closed.promise, { code: 4001, reason: "server bye" });
    assert.equal(conn.readyState, ReadyState.CLOSED);
  });

  it("reports 1006 when the client disappears without a close frame", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { handler } = await server.nextConnection();
    ws.terminate();
    assert.deepEqual(await handler.closed.promise, { code: 1006, reason: "" });
  });

  it("terminate() drops the connection at once (client sees 1006)", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { conn, handler } = await server.nextConnection();
    const clientClosed = closed(ws);
    conn.terminate();
    assert.equal((await clientClosed).code, 1006);
    assert.equal((await handler.closed.promise).code, 1006);
  });

  it("closes with 1009 when a message exceeds maxPayload (PROTOCOL.md §A5)", async () => {
    await using server = await startServer({ maxPayload: 1000 });
    const ws = await open(server.url);
    const { handler } = await server.nextConnection();
    const clientClosed = closed(ws);
    ws.send("y".repeat(1001));
    assert.equal((await clientClosed).code, 1009);
    await handler.closed.promise;
    assert.equal(handler.errors[0]?.code, "ERR_WS_PAYLOAD_TOO_BIG");
    assert.equal(handler.messages.length, 0);
  });

  it("sends 1000 prepared frames of one tick in order", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { conn } = await server.nextConnection();
    const received: string[] = [];
    const done = deferred<void>();
    ws.on("message", (data) => {
      received.push(data.toString());
      if (received.length === 1000) done.resolve();
    });
    const frames = Array.from({ length: 1000 }, (_, i) => frameText(`4message ${i}`));
    conn.sendFrames(frames.slice(0, 500));
    for (const f of frames.slice(500)) conn.sendFrame(f);
    await done.promise;
    assert.deepEqual(
      received,
      frames.map((_, i) => `4message ${i}`),
    );
    ws.close();
    await closed(ws);
  });

  it("sends the same prepared frame to many connections", async () => {
    await using server = await startServer();
    const clients = await Promise.all([1, 2, 3].map(() => open(server.url)));
    const conns = await Promise.all(clients.map(() => server.nextConnection()));
    const bytes = frameText('42["news",1]');
    const received = clients.map((ws) => nextMessage(ws));
    for (const { conn } of conns) conn.sendFrame(bytes);
    for (const r of await Promise.all(received)) assert.equal(r.data.toString(), '42["news",1]');
    for (const ws of clients) ws.close();
    await Promise.all(clients.map(closed));
  });

  it("passes extra response headers (Set-Cookie) in the 101", async () => {
    await using server = await startServer({}, undefined, ["Set-Cookie: io=abc; Path=/; HttpOnly"]);
    const ws = new WebSocket(server.url);
    const upgrade = once(ws, "upgrade");
    const opened = once(ws, "open"); // emitted in the same tick as "upgrade"
    const [res] = (await upgrade) as [{ headers: Record<string, string | string[]> }];
    assert.deepEqual(res.headers["set-cookie"], ["io=abc; Path=/; HttpOnly"]);
    await opened;
    ws.close();
    await closed(ws);
  });

  it("reports remoteAddress and bufferedAmount", async () => {
    await using server = await startServer();
    const ws = await open(server.url);
    const { conn } = await server.nextConnection();
    assert.equal(conn.remoteAddress, "127.0.0.1");
    assert.equal(typeof conn.bufferedAmount, "number");
    ws.close();
    await closed(ws);
  });
});

describe("permessage-deflate (RFC 7692) with the ws client", () => {
  it("is declined when the server has it off", async () => {
    await using server = await startServer({}, (h) => {
      h.echo = true;
    });
    const { ws, extensions } = await openWithExtensions(server.url, { perMessageDeflate: true });
    const { conn } = await server.nextConnection();
    assert.equal(extensions, undefined);
    assert.equal(ws.extensions, "");
    assert.equal(conn.compression, false);
    ws.send("a".repeat(5000));
    assert.equal((await nextMessage(ws)).data.toString(), "a".repeat(5000));
    ws.close();
    await closed(ws);
  });

  it("negotiates no-context-takeover and compresses large messages both ways", async () => {
    await using server = await startServer({ perMessageDeflate: { threshold: 1024 } }, (h) => {
      h.echo = true;
    });
    const { ws, extensions } = await openWithExtensions(server.url, { perMessageDeflate: { threshold: 0 } });
    const { conn, handler } = await server.nextConnection();
    assert.equal(extensions, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    assert.equal(ws.extensions, "permessage-deflate");
    assert.equal(conn.compression, true);
    const text = "compress me please ".repeat(5000); // ~95 KB, very compressible
    const socket = (ws as unknown as { _socket: import("node:net").Socket })._socket;
    const readBefore = socket.bytesRead;
    const writtenBefore = socket.bytesWritten;
    ws.send(text);
    const echoed = await nextMessage(ws);
    assert.equal(echoed.data.toString(), text);
    assert.equal(handler.messages[0]?.data, text);
    // Both directions travelled compressed: far fewer bytes than the text on the wire.
    assert.ok(socket.bytesWritten - writtenBefore < text.length / 10, "client → server compressed");
    assert.ok(socket.bytesRead - readBefore < text.length / 10, "server → client compressed");

    const binary = Buffer.alloc(300_000, 0x42);
    ws.send(binary);
    assert.ok((await nextMessage(ws)).data.equals(binary));
    ws.close();
    await closed(ws);
  });

  it("sends small messages uncompressed and accepts uncompressed client messages", async () => {
    await using server = await startServer({ perMessageDeflate: { threshold: 1024 } });
    const ws = await open(server.url, { perMessageDeflate: true });
    const { conn, handler } = await server.nextConnection();
    const socket = (ws as unknown as { _socket: import("node:net").Socket })._socket;
    const readBefore = socket.bytesRead;
    conn.send("small"); // under the threshold: 2-byte header + 5 bytes, no RSV1
    assert.equal((await nextMessage(ws)).data.toString(), "small");
    assert.equal(socket.bytesRead - readBefore, 7);

    const big = "z".repeat(4000);
    conn.send(big, false); // compression refused by the caller
    assert.equal((await nextMessage(ws)).data.toString(), big);
    assert.equal(socket.bytesRead - readBefore, 7 + 4 + 4000);

    ws.send("u".repeat(4000), { compress: false });
    await handler.messageCount(1);
    assert.equal(handler.messages[0]?.data, "u".repeat(4000));
    ws.close();
    await closed(ws);
  });

  it("honours the client's server_max_window_bits", async () => {
    await using server = await startServer({ perMessageDeflate: { threshold: 0 } }, (h) => {
      h.echo = true;
    });
    const { ws, extensions } = await openWithExtensions(server.url, {
      perMessageDeflate: { serverMaxWindowBits: 10, threshold: 0 },
    });
    assert.equal(
      extensions,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10",
    );
    const text = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join("\n");
    ws.send(text);
    assert.equal((await nextMessage(ws)).data.toString(), text);
    ws.close();
    await closed(ws);
  });

  it("closes with 1009 when a compressed message inflates beyond maxPayload", async () => {
    await using server = await startServer({ maxPayload: 10_000, perMessageDeflate: true });
    const ws = await open(server.url, { perMessageDeflate: { threshold: 0 } });
    const { handler } = await server.nextConnection();
    const clientClosed = closed(ws);
    ws.send(Buffer.alloc(50_000)); // compresses to ~100 bytes
    assert.equal((await clientClosed).code, 1009);
    await handler.closed.promise;
    assert.equal(handler.errors[0]?.code, "ERR_WS_PAYLOAD_TOO_BIG");
  });
});
