/**
 * A hand-driven Engine.IO v4 WebSocket client (the `ws` package) for the wire-level scenarios:
 * frames are queued for `next()`, pings answered automatically.
 */
import WebSocket from "ws";

export class RawSocket {
  readonly ws: WebSocket;
  private readonly queue: (string | Buffer)[] = [];
  private waiter: ((frame: string | Buffer) => void) | null = null;
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
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
    this.ws.on("error", () => {});
    this.closed = new Promise((resolve) => this.ws.on("close", () => resolve()));
  }

  next(): Promise<string | Buffer> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

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
