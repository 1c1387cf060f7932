/**
 * A scripted WebSocket peer for wire-level client tests: it answers the Engine.IO handshake and the root
 * namespace CONNECT, records what the client sent, and lets the test write or close at will.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface WsPeerConnection {
  readonly ws: WebSocket;
  readonly request: IncomingMessage;
  /** Frames received after the CONNECT, as text or bytes. */
  readonly frames: (string | Buffer)[];
  /** Resolves once `count` frames were received (CONNECT excluded). */
  frame(count: number): Promise<(string | Buffer)[]>;
}

export class WsPeer {
  private readonly waiters: ((c: WsPeerConnection) => void)[] = [];
  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(): Promise<WsPeer> {
    const http = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({
      server: http,
      handleProtocols: (protocols) => [...protocols][0] ?? false,
    });
    const peer = new WsPeer(http, wss);
    wss.on("connection", (ws, request) => peer.onConnection(ws, request));
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    return peer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  private onConnection(ws: WebSocket, request: IncomingMessage): void {
    const frames: (string | Buffer)[] = [];
    let wanted: { count: number; resolve: (f: (string | Buffer)[]) => void } | undefined;
    ws.send(
      `0${JSON.stringify({ sid: "SID", upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 })}`,
    );
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : data.toString("utf8");
      if (frame === "40") {
        ws.send('40{"sid":"S1"}');
        return;
      }
      frames.push(frame);
      if (wanted && frames.length >= wanted.count) wanted.resolve(frames);
    });
    const connection: WsPeerConnection = {
      ws,
      request,
      frames,
      frame: (count) =>
        frames.length >= count
          ? Promise.resolve(frames)
          : new Promise((resolve) => {
              wanted = { count, resolve };
            }),
    };
    const waiter = this.waiters.shift();
    if (waiter) waiter(connection);
  }

  /** The next WebSocket connection (register before the client connects). */
  next(): Promise<WsPeerConnection> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }
}
