/**
 * A hand-driven Engine.IO v4 WebSocket session (the `ws` package): every frame received is queued for
 * `next()`, and pings are answered here (PROTOCOL.md, heartbeat) so tests only see Socket.IO traffic.
 * Test code only: never imported from `src/`.
 */
import WebSocket from "ws";

export class RawEngineSocket {
  readonly ws: WebSocket;
  private readonly queue: (string | Buffer)[] = [];
  private waiter: ((frame: string | Buffer) => void) | null = null;
  /** Resolves with the close code. */
  readonly closed: Promise<number>;

  constructor(port: number, path = "/socket.io/") {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}${path}?EIO=4&transport=websocket`);
    this.ws.on("message", (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : data.toString("utf8");
      if (frame === "2") {
        this.ws.send("3");
        return;
      }
      const waiter = this.waiter;
      if (waiter !== null) {
        this.waiter = null;
        waiter(frame);
      } else this.queue.push(frame);
    });
    this.closed = new Promise((resolve) => this.ws.on("close", (code: number) => resolve(code)));
    this.ws.on("error", () => {});
  }

  /** The open packet (`0{...}`). */
  async opened(): Promise<string> {
    return (await this.next()) as string;
  }

  next(): Promise<string | Buffer> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** The next frame, or `"closed"` if the connection closes first. */
  nextOrClose(): Promise<string | Buffer> {
    return Promise.race([this.next(), this.closed.then(() => "closed")]);
  }

  send(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  close(): void {
    this.ws.close();
  }
}
