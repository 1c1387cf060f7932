// Test fixture: an http server on 127.0.0.1:0 accepting WebSockets with the module under test.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import {
  abortHandshake,
  acceptWebSocket,
  validateUpgradeRequest,
  type WebSocketConnection,
  type WebSocketError,
  type WebSocketHandler,
  type WebSocketOptions,
} from "../src/websocket/index.js";

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Records everything a connection reports; `next*` helpers await the next event. */
export class RecordingHandler implements WebSocketHandler {
  readonly messages: Array<{ data: string | Buffer; isBinary: boolean }> = [];
  readonly errors: WebSocketError[] = [];
  readonly closed = deferred<{ code: number; reason: string }>();
  private waiters: Array<() => void> = [];
  echo = false;
  onWebSocketPong?: (payload: Buffer) => void;
  conn: WebSocketConnection | null = null;

  onWebSocketMessage(data: string | Buffer, isBinary: boolean): void {
    this.messages.push({ data, isBinary });
    if (this.echo) this.conn?.send(data);
    for (const w of this.waiters.splice(0)) w();
  }
  onWebSocketClose(code: number, reason: string): void {
    this.closed.resolve({ code, reason });
  }
  onWebSocketError(err: WebSocketError): void {
    this.errors.push(err);
  }
  async messageCount(n: number): Promise<void> {
    while (this.messages.length < n) {
      const d = deferred<void>();
      this.waiters.push(() => d.resolve());
      await d.promise;
    }
  }
}

export interface TestServer {
  url: string;
  port: number;
  /** Resolves with each accepted connection and its handler, in order. */
  nextConnection(): Promise<{ conn: WebSocketConnection; handler: RecordingHandler }>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startServer(
  options: WebSocketOptions = {},
  setup?: (handler: RecordingHandler) => void,
  extraHeaders?: string[],
): Promise<TestServer> {
  const queue: Array<{ conn: WebSocketConnection; handler: RecordingHandler }> = [];
  const waiters: Array<(v: { conn: WebSocketConnection; handler: RecordingHandler }) => void> = [];
  const sockets = new Set<Duplex>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(426).end();
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const deflate = options.perMessageDeflate !== undefined && options.perMessageDeflate !== false;
    const error = validateUpgradeRequest(req, deflate);
    if (error !== null) {
      abortHandshake(socket, 400, error.message);
      return;
    }
    const handler = new RecordingHandler();
    setup?.(handler);
    const conn = acceptWebSocket(req, socket, head, handler, options, extraHeaders);
    handler.conn = conn;
    const entry = { conn, handler };
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(entry);
    else queue.push(entry);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, "close");
  };
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    nextConnection() {
      const entry = queue.shift();
      if (entry !== undefined) return Promise.resolve(entry);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
