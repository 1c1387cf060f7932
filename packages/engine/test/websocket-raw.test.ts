// Raw-bytes tests: a plain TCP socket speaks to our server, asserting exact wire bytes.
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { closeFrame, frame, Opcode } from "../src/websocket/index.js";
import { startServer } from "./websocket-test-server.js";

const MASK = Buffer.from([1, 2, 3, 4]);
const RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

function request(port: number, headers: Record<string, string>, method = "GET"): string {
  let text = `${method} /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

const UPGRADE_HEADERS = {
  Upgrade: "websocket",
  Connection: "Upgrade",
  "Sec-WebSocket-Key": RFC_KEY,
  "Sec-WebSocket-Version": "13",
};

/** A TCP client collecting every byte until the server closes. */
class RawClient {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  readonly ended: Promise<Buffer>;
  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (c: Buffer) => this.chunks.push(c));
    this.socket.on("error", () => {});
    this.ended = new Promise((resolve) => {
      this.socket.on("close", () => resolve(Buffer.concat(this.chunks)));
    });
  }
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }
  /** Resolves once the bytes received so far contain `needle`. */
  async waitFor(needle: string | Buffer): Promise<Buffer> {
    while (!this.received.includes(needle)) {
      await Promise.race([once(this.socket, "data"), this.ended]);
      if (this.socket.destroyed && !this.received.includes(needle)) {
        throw new Error(`closed before ${needle.toString()}`);
      }
    }
    return this.received;
  }
  /** Completes the opening handshake and returns the 101 response text. */
  async handshake(port: number, extra: Buffer = Buffer.alloc(0)): Promise<string> {
    this.socket.write(Buffer.concat([Buffer.from(request(port, UPGRADE_HEADERS)), extra]));
    const bytes = await this.waitFor("\r\n\r\n");
    const end = bytes.indexOf("\r\n\r\n") + 4;
    this.chunks = [bytes.subarray(end)];
    return bytes.subarray(0, end).toString("latin1");
  }
}

describe("opening handshake bytes (RFC 6455 §4.2.2)", () => {
  it("answers the RFC example key with the exact 101 response", async () => {
    await using server = await startServer();
    const client = new RawClient(server.port);
    const response = await client.handshake(server.port);
    assert.equal(
      response,
      "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        // RFC 6455 §1.3 example (the full value; 28 base64 characters for 20 SHA-1 bytes).
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
        "\r\n",
    );
    client.socket.destroy();
  });

  it("accepts Sec-WebSocket-Version: 8 (hybi-08) as ws does, with the same 101 and framing", async () => {
    await using server = await startServer();
    const client = new RawClient(server.port);
    const pending = server.nextConnection();
    client.socket.write(request(server.port, { ...UPGRADE_HEADERS, "Sec-WebSocket-Version": "8" }));
    const bytes = (await client.waitFor("\r\n\r\n")).toString("latin1");
    assert.ok(bytes.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), bytes);
    assert.match(bytes, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
    const { handler } = await pending;
    client.socket.write(frame("4hybi", Opcode.TEXT, { mask: MASK }));
    await handler.messageCount(1);
    assert.deepEqual(handler.messages, [{ data: "4hybi", isBinary: false }]);
    client.socket.destroy();
  });

  it("parses frames that arrived in the same packet as the request (upgrade head)", async () => {
    await using server = await startServer();
    const client = new RawClient(server.port);
    const first = frame("4early", Opcode.TEXT, { mask: MASK });
    const pending = server.nextConnection();
    await client.handshake(server.port, first);
    const { handler } = await pending;
    await handler.messageCount(1);
    assert.deepEqual(handler.messages, [{ data: "4early", isBinary: false }]);
    client.socket.destroy();
  });

  it("puts the 101 and the frames sent in the same tick into one TCP write", async () => {
    await using server = await startServer({}, (h) => {
      // Simulates the engine sending the open packet right after accepting.
      queueMicrotask(() => h.conn?.send('0{"sid":"x"}'));
    });
    const client = new RawClient(server.port);
    client.socket.write(request(server.port, UPGRADE_HEADERS));
    const [chunk] = (await once(client.socket, "data")) as [Buffer];
    assert.ok(chunk.toString("latin1").endsWith('\r\n\r\n\x81\x0c0{"sid":"x"}'));
    client.socket.destroy();
  });

  it("negotiates permessage-deflate only when enabled and offered", async () => {
    await using server = await startServer({ perMessageDeflate: true });
    const client = new RawClient(server.port);
    client.socket.write(
      request(server.port, {
        ...UPGRADE_HEADERS,
        "Sec-WebSocket-Extensions": "x-unknown, permessage-deflate; client_max_window_bits",
      }),
    );
    const bytes = (await client.waitFor("\r\n\r\n")).toString("latin1");
    assert.match(
      bytes,
      /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n/,
    );
    client.socket.destroy();
  });
});

describe("bad handshakes get a raw 400 and a closed socket", () => {
  const cases: Array<[string, Record<string, string>, string, string]> = [
    [
      "missing key",
      { ...UPGRADE_HEADERS, "Sec-WebSocket-Key": "" },
      "GET",
      "Missing or invalid Sec-WebSocket-Key header",
    ],
    [
      "short key",
      { ...UPGRADE_HEADERS, "Sec-WebSocket-Key": "c2hvcnQ=" },
      "GET",
      "Missing or invalid Sec-WebSocket-Key header",
    ],
    [
      "version 9 (neither RFC 6455's 13 nor hybi-08's 8)",
      { ...UPGRADE_HEADERS, "Sec-WebSocket-Version": "9" },
      "GET",
      "Missing or invalid Sec-WebSocket-Version header",
    ],
    ["Upgrade: h2c", { ...UPGRADE_HEADERS, Upgrade: "h2c" }, "GET", "Invalid Upgrade header"],
    ["POST", UPGRADE_HEADERS, "POST", "Invalid HTTP method"],
  ];
  for (const [name, headers, method, message] of cases) {
    it(name, async () => {
      await using server = await startServer();
      const client = new RawClient(server.port);
      client.socket.write(request(server.port, headers, method));
      const bytes = (await client.ended).toString("latin1");
      assert.equal(
        bytes,
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\n" +
          `Content-Length: ${message.length}\r\n\r\n${message}`,
      );
    });
  }

  it("a malformed extension header is a 400 when permessage-deflate is on", async () => {
    await using server = await startServer({ perMessageDeflate: true });
    const client = new RawClient(server.port);
    client.socket.write(
      request(server.port, { ...UPGRADE_HEADERS, "Sec-WebSocket-Extensions": "permessage-deflate; =x" }),
    );
    assert.match((await client.ended).toString("latin1"), /^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});

describe("protocol violations on the wire", () => {
  async function violation(input: Buffer): Promise<{ bytes: Buffer; errors: string[]; close: number }> {
    await using server = await startServer();
    const client = new RawClient(server.port);
    const pending = server.nextConnection();
    await client.handshake(server.port);
    const { handler } = await pending;
    client.socket.write(input);
    const bytes = await client.ended;
    const { code } = await handler.closed.promise;
    return { bytes, errors: handler.errors.map((e) => e.code), close: code };
  }

  it("an unmasked frame gets close 1002 and the server closes TCP", async () => {
    const r = await violation(frame("hello", Opcode.TEXT));
    assert.equal(r.bytes.toString("hex"), "880203ea");
    assert.deepEqual(r.errors, ["ERR_WS_UNMASKED_FRAME"]);
    assert.equal(r.close, 1006);
  });

  it("invalid UTF-8 in a text frame gets close 1007", async () => {
    const r = await violation(frame(Buffer.from([0xc3, 0x28]), Opcode.TEXT, { mask: MASK }));
    assert.equal(r.bytes.toString("hex"), "880203ef");
    assert.deepEqual(r.errors, ["ERR_WS_INVALID_UTF8"]);
  });

  it("a reserved opcode gets close 1002", async () => {
    const r = await violation(frame("x", 0x3, { mask: MASK }));
    assert.equal(r.bytes.toString("hex"), "880203ea");
    assert.deepEqual(r.errors, ["ERR_WS_INVALID_OPCODE"]);
  });

  it("garbage bytes get a close code and a closed socket", async () => {
    const r = await violation(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    assert.equal(r.bytes[0], 0x88);
    assert.equal(r.bytes.readUInt16BE(2), 1002);
    assert.equal(r.errors.length, 1);
  });

  it("a close frame from the client is echoed and the server closes TCP first", async () => {
    const r = await violation(closeFrame(1000, "done", { mask: MASK }));
    assert.equal(r.bytes.toString("hex"), "880203e8");
    assert.equal(r.close, 1000);
    assert.deepEqual(r.errors, []);
  });

  it("a ping is answered with a pong carrying the payload", async () => {
    await using server = await startServer();
    const client = new RawClient(server.port);
    await client.handshake(server.port);
    client.socket.write(frame("pp", Opcode.PING, { mask: MASK }));
    const bytes = await client.waitFor(Buffer.from("8a027070", "hex"));
    assert.equal(bytes.toString("hex"), "8a027070");
    client.socket.destroy();
  });
});

describe("truncated input", () => {
  for (const cut of [1, 2, 5, 9, 20]) {
    it(`a frame cut after ${cut} bytes then FIN closes cleanly as 1006`, async () => {
      await using server = await startServer();
      const client = new RawClient(server.port);
      const pending = server.nextConnection();
      await client.handshake(server.port);
      const { handler } = await pending;
      const f = frame("x".repeat(200), Opcode.TEXT, { mask: MASK });
      client.socket.end(f.subarray(0, cut));
      assert.deepEqual(await handler.closed.promise, { code: 1006, reason: "" });
      await client.ended;
      assert.deepEqual(handler.messages, []);
      assert.deepEqual(handler.errors, []);
    });
  }

  it("a half-closed client after a complete message still delivers the message", async () => {
    await using server = await startServer();
    const client = new RawClient(server.port);
    const pending = server.nextConnection();
    await client.handshake(server.port);
    const { handler } = await pending;
    client.socket.end(frame("last words", Opcode.TEXT, { mask: MASK }));
    assert.equal((await handler.closed.promise).code, 1006);
    assert.deepEqual(handler.messages, [{ data: "last words", isBinary: false }]);
  });
});

describe("closing edge cases", () => {
  it("destroys the socket when the peer never answers our close frame (closeTimeout)", async () => {
    await using server = await startServer({ closeTimeout: 50 });
    const client = new RawClient(server.port);
    const pending = server.nextConnection();
    await client.handshake(server.port);
    const { conn, handler } = await pending;
    conn.close(1001, "going away");
    // The raw client reads our close frame and never replies: the server must give up on its own.
    const bytes = await client.ended;
    assert.equal(bytes.toString("hex"), `880c03e9${Buffer.from("going away").toString("hex")}`);
    assert.deepEqual(await handler.closed.promise, { code: 1006, reason: "" });
  });

  it("terminate() inside a message callback stops parsing the rest of the chunk", async () => {
    await using server = await startServer({}, (h) => {
      h.onWebSocketMessage = (data: string | Buffer, isBinary: boolean) => {
        h.messages.push({ data, isBinary });
        h.conn?.terminate();
      };
    });
    const client = new RawClient(server.port);
    const pending = server.nextConnection();
    await client.handshake(server.port);
    const { handler } = await pending;
    client.socket.write(
      Buffer.concat(["one", "two", "three"].map((t) => frame(t, Opcode.TEXT, { mask: MASK }))),
    );
    assert.equal((await handler.closed.promise).code, 1006);
    assert.deepEqual(handler.messages, [{ data: "one", isBinary: false }]);
  });

  it("close() inside a message callback sends one close frame and answers nothing after it", async () => {
    await using server = await startServer({}, (h) => {
      h.onWebSocketMessage = (data: string | Buffer, isBinary: boolean) => {
        h.messages.push({ data, isBinary });
        h.conn?.close(1000, "");
      };
    });
    const client = new RawClient(server.port);
    const pending = server.nextConnection();
    await client.handshake(server.port);
    const { handler } = await pending;
    const ping = frame("p", Opcode.PING, { mask: MASK });
    client.socket.write(Buffer.concat([frame("hi", Opcode.TEXT, { mask: MASK }), ping]));
    await client.waitFor(Buffer.from("880203e8", "hex"));
    client.socket.end(closeFrame(1000, "", { mask: MASK }));
    assert.equal((await handler.closed.promise).code, 1000);
    // Exactly one close frame, and no pong after our close (RFC 6455 §5.5.1).
    assert.equal((await client.ended).toString("hex"), "880203e8");
  });
});
