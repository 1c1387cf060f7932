/**
 * A WebSocket client on a plain TCP socket for black-box tests that assert exact frames: it writes the
 * upgrade request by hand, sends masked frames, decodes every frame the server sends (close frames
 * included: code and reason as on the wire), and can stop reading (`pause`) to play a slow consumer.
 * Test code only: never imported from `src/`.
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { websocket } from "@plexus/engine";
import { decodeFrames, type ReadFrame } from "./websocket-frame-reader.js";

const MASK = Buffer.from([0x1f, 0x2e, 0x3d, 0x4c]);
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

export interface CloseFrame {
  readonly code: number;
  readonly reason: string;
}

export class RawTcpWebSocket {
  readonly socket: Socket;
  /** The response head (status line and headers), once the handshake answered. */
  head = "";
  private chunks: Buffer[] = [];
  private readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.chunks.push(chunk));
    socket.on("error", () => {});
    this.closed = once(socket, "close").then(() => undefined);
  }

  /**
   * Connects and sends the upgrade request for `path` (with query); resolves once the response head
   * arrived (`head` holds it: a 101, or an error answer).
   */
  static async open(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<RawTcpWebSocket> {
    const socket = connect(port, "127.0.0.1");
    const client = new RawTcpWebSocket(socket);
    const all: Record<string, string> = {
      Host: `127.0.0.1:${port}`,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": KEY,
      "Sec-WebSocket-Version": "13",
      ...headers,
    };
    let text = `GET ${path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(all)) text += `${name}: ${value}\r\n`;
    socket.write(`${text}\r\n`);
    const bytes = await client.waitFor((b) => b.includes("\r\n\r\n"));
    const end = bytes.indexOf("\r\n\r\n") + 4;
    client.head = bytes.subarray(0, end).toString("latin1");
    client.chunks = [bytes.subarray(end)];
    return client;
  }

  /** Bytes received after the response head. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Complete frames received so far. */
  get frames(): ReadFrame[] {
    return decodeFrames(this.received);
  }

  /** Text of the complete text frames received so far. */
  get texts(): string[] {
    return this.frames.filter((f) => f.opcode === websocket.Opcode.TEXT).map((f) => f.payload.toString());
  }

  /** Resolves with the received bytes once `done` holds for them; rejects if the socket closes first. */
  async waitFor(done: (bytes: Buffer) => boolean): Promise<Buffer> {
    for (;;) {
      const bytes = this.received;
      if (done(bytes)) return bytes;
      if (this.socket.destroyed) throw new Error("socket closed before the expected bytes arrived");
      await Promise.race([once(this.socket, "data"), this.closed]);
    }
  }

  /** Waits for a text frame equal to `text` (or matching it). */
  async waitForText(text: string | RegExp): Promise<void> {
    const matches = (t: string) => (typeof text === "string" ? t === text : text.test(t));
    await this.waitFor((bytes) =>
      decodeFrames(bytes).some((f) => f.opcode === websocket.Opcode.TEXT && matches(f.payload.toString())),
    );
  }

  /** Waits for the server's close frame and returns its code and reason. */
  async closeFrame(): Promise<CloseFrame> {
    const bytes = await this.waitFor((b) => decodeFrames(b).some((f) => f.opcode === websocket.Opcode.CLOSE));
    const frame = decodeFrames(bytes).find((f) => f.opcode === websocket.Opcode.CLOSE)!;
    return {
      code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005,
      reason: frame.payload.subarray(2).toString(),
    };
  }

  /** Resolves when the TCP connection is closed. */
  ended(): Promise<void> {
    return this.closed;
  }

  /** Sends a masked text frame. */
  send(text: string): void {
    this.socket.write(websocket.frame(text, websocket.Opcode.TEXT, { mask: MASK }));
  }

  /** Sends raw bytes as they are (e.g. a hand-made frame). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up (a slow consumer). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
