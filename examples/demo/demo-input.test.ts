/**
 * The demo server's events with bad input, through the official socket.io-client: a bad name is refused at
 * the handshake, every malformed request is answered with its error code (or ignored when it asked for no
 * answer), uploads stay within their bounds, and the server keeps serving the same socket afterwards.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { io as ioc, type Socket } from "socket.io-client";
import { type DemoProcess, startDemo } from "./demo-harness.js";

type Reply = { ok: boolean; error?: string; [key: string]: unknown };

describe("demo server input", { timeout: 60_000 }, () => {
  let demo: DemoProcess;
  const clients: Socket[] = [];

  before(async () => {
    demo = await startDemo("server.ts");
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await demo?.stop();
  });

  async function connect(name: unknown): Promise<Socket> {
    const socket = ioc(demo.url, {
      auth: { name },
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
    });
    clients.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    return socket;
  }

  it("refuses a missing, empty, too long or control-character name at the handshake", async () => {
    for (const name of [undefined, "", "   ", "x".repeat(25), "a\u0000b", 42, { name: "x" }]) {
      await assert.rejects(connect(name), { message: "ERR_INVALID_NAME" }, JSON.stringify(name));
    }
  });

  it("answers malformed requests with their error code and keeps serving the socket", async () => {
    const s = await connect("tester");
    const ask = (event: string, ...args: unknown[]): Promise<Reply> =>
      s.timeout(5000).emitWithAck(event, ...args);

    assert.deepEqual(await ask("message", "before joining"), { ok: false, error: "ERR_NOT_IN_ROOM" });
    for (const room of [null, 7, "", "UPPER", "a b", "x".repeat(25), ["lobby"], "-lead"]) {
      assert.deepEqual(
        await ask("join", room),
        { ok: false, error: "ERR_INVALID_ROOM" },
        JSON.stringify(room),
      );
    }
    assert.deepEqual(await ask("join", "lobby"), { ok: true, room: "lobby" });
    for (const text of [null, 1, "", "   ", { text: "x" }]) {
      assert.deepEqual(await ask("message", text), { ok: false, error: "ERR_EMPTY_MESSAGE" });
    }
    assert.deepEqual(await ask("dm", "", "hi"), { ok: false, error: "ERR_INVALID_NAME" });
    assert.deepEqual(await ask("dm", "someone", 5), { ok: false, error: "ERR_EMPTY_MESSAGE" });
    // Without a callback, a bad request is dropped silently (nothing to answer); typing takes any value.
    s.emit("message", { not: "text" });
    s.emit("join", 12);
    s.emit("typing", { weird: true });
    s.emit("upload-chunk", "nope", "not bytes");

    // Uploads: announced properly, within bounds, chunks of the announced size.
    for (const file of [null, "x", { name: "", type: "", size: 1 }, { name: "a", type: 3, size: 1 }]) {
      assert.deepEqual(await ask("upload-start", file), { ok: false, error: "ERR_INVALID_FILE" });
    }
    for (const size of [0, -1, 1.5, "10", Number.NaN, 2 ** 60]) {
      assert.deepEqual(await ask("upload-start", { name: "a", type: "", size }), {
        ok: false,
        error: "ERR_INVALID_FILE",
      });
    }
    assert.deepEqual(await ask("upload-start", { name: "a", type: "", size: 5 * 1024 * 1024 + 1 }), {
      ok: false,
      error: "ERR_FILE_TOO_LARGE",
    });
    assert.deepEqual(await ask("upload-chunk", "unknown", Buffer.alloc(1)), {
      ok: false,
      error: "ERR_UNKNOWN_UPLOAD",
    });
    const first = await ask("upload-start", { name: "a.bin", type: "", size: 4 });
    assert.equal(first.ok, true);
    assert.deepEqual(await ask("upload-chunk", first.id, Buffer.alloc(5)), {
      ok: false,
      error: "ERR_INVALID_CHUNK",
    });
    // The refused chunk ended that upload.
    assert.deepEqual(await ask("upload-chunk", first.id, Buffer.alloc(1)), {
      ok: false,
      error: "ERR_UNKNOWN_UPLOAD",
    });
    const second = await ask("upload-start", { name: "b.bin", type: "", size: 2 });
    assert.deepEqual(await ask("upload-chunk", second.id, "text, not bytes"), {
      ok: false,
      error: "ERR_INVALID_CHUNK",
    });
    const a = await ask("upload-start", { name: "c", type: "", size: 9 });
    const b = await ask("upload-start", { name: "d", type: "", size: 9 });
    assert.equal(a.ok && b.ok, true);
    assert.deepEqual(await ask("upload-start", { name: "e", type: "", size: 9 }), {
      ok: false,
      error: "ERR_TOO_MANY_UPLOADS",
    });

    // Still served.
    const reply = await ask("message", "still here");
    assert.equal(reply.ok, true);
    assert.equal(s.connected, true);
  });

  it("sends a complete upload to the room's other sockets as binary, and acknowledges each chunk", async () => {
    const sender = await connect("up");
    const receiver = await connect("down");
    await sender.emitWithAck("join", "files");
    await receiver.emitWithAck("join", "files");
    const got = new Promise<{ name: string; size: number; data: Buffer; from: string }>((resolve) =>
      receiver.once("file", resolve),
    );
    let ownCopies = 0;
    sender.on("file", () => ownCopies++);
    const start: Reply = await sender.emitWithAck("upload-start", { name: "two.bin", type: "", size: 6 });
    assert.deepEqual(await sender.emitWithAck("upload-chunk", start.id, Buffer.from([1, 2, 3, 4])), {
      ok: true,
      received: 4,
    });
    assert.deepEqual(await sender.emitWithAck("upload-chunk", start.id, Buffer.from([5, 6])), {
      ok: true,
      received: 6,
    });
    const file = await got;
    assert.equal(file.name, "two.bin");
    assert.equal(file.from, "up");
    assert.deepEqual([...file.data], [1, 2, 3, 4, 5, 6]);
    // A message after the file reaches the sender's room-mates after it, and the sender never got its own copy.
    const after = new Promise((resolve) => receiver.once("message", resolve));
    await sender.emitWithAck("message", "after the file");
    await after;
    assert.equal(ownCopies, 0);
  });
});
