/**
 * `--impl ws`: the reference floor of the side-by-side bench, not a product. A bare `ws` WebSocket server
 * that speaks just the Engine.IO 4 / Socket.IO 5 wire strings the raw bench clients use (PROTOCOL.md §A3,
 * §A6, §B1–B2): WebSocket-only handshake (`0{…}`), main-namespace CONNECT (`40{…}`), ping/pong, events
 * (`42[…]`), acks (`43<id>[…]`). No polling, upgrade, namespaces, rooms, buffering, recovery or validation
 * beyond what keeps it from crashing. It shows what any Node server pays for a connection and a frame
 * (the "bare ws" column of the performance issue), so Plexus's distance to that floor can be read
 * next to its distance to socket.io.
 *
 * Same surface as the other targets (`target-implementations.ts`): `on("connection")`, per-socket
 * `on("echo")` / `on("disconnect")`, `emit(event, ...args)` to every connected socket.
 */
import { randomBytes } from "node:crypto";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { BenchSocketServer, ServerOptions } from "./target-implementations.js";

type Listener = (...args: unknown[]) => void;

const kSocket = Symbol("bareSocket");

interface TaggedWebSocket extends WebSocket {
  [kSocket]?: BareSocket;
}

class BareSocket {
  echo: Listener | undefined = undefined;
  disconnect: Listener | undefined = undefined;
  /** Joined the main namespace (answered `40`). */
  joined = false;
  /** A pong (or any frame) arrived since the last ping. */
  alive = true;

  constructor(readonly ws: WebSocket) {}

  on(event: string, listener: Listener): this {
    if (event === "echo") this.echo = listener;
    else if (event === "disconnect") this.disconnect = listener;
    return this;
  }
}

const ENGINE_OPEN = "0";
const PING = "2";
const PONG = 51; // "3"
const MESSAGE = 52; // "4"
const SOCKET_CONNECT = 48; // "0"
const SOCKET_EVENT = 50; // "2"

function sessionId(): string {
  return randomBytes(15).toString("base64url");
}

function isEngineWebSocketRequest(req: IncomingMessage, path: string): boolean {
  const url = req.url ?? "";
  return url.startsWith(path) && url.includes("transport=websocket") && url.includes("EIO=4");
}

/** `2<id>["echo", …]` or `2["echo", …]` → [ack id or -1, arguments]; undefined when unreadable. */
function readEvent(text: string): { id: number; args: unknown[] } | undefined {
  let i = 2;
  let id = -1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    id = (id === -1 ? 0 : id * 10) + (c - 48);
    i++;
  }
  try {
    const data: unknown = JSON.parse(text.slice(i));
    return Array.isArray(data) ? { id, args: data } : undefined;
  } catch {
    return undefined;
  }
}

class BareServer implements BenchSocketServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly sockets = new Set<BareSocket>();
  private connection: Listener | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    http: HttpServer,
    private readonly path: string,
    private readonly options: ServerOptions,
  ) {
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!isEngineWebSocketRequest(req, this.path)) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
    // One timer for every heartbeat; a socket that has not answered the previous ping is dropped.
    this.heartbeat = setInterval(() => this.ping(), options.pingInterval);
    this.heartbeat.unref();
  }

  on(event: string, listener: Listener): this {
    if (event === "connection") this.connection = listener;
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    // Encoded once; `ws` frames it per socket (header + payload in one corked write).
    const frame = Buffer.from(`42${JSON.stringify([event, ...args])}`);
    for (const socket of this.sockets) if (socket.joined) socket.ws.send(frame, { binary: false });
    return true;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const socket of this.sockets) socket.ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const socket = new BareSocket(ws);
    (ws as TaggedWebSocket)[kSocket] = socket;
    this.sockets.add(socket);
    ws.on("message", onMessage);
    ws.on("close", onClose);
    ws.on("error", onError);
    const { pingInterval, pingTimeout } = this.options;
    const open = { sid: sessionId(), upgrades: [], pingInterval, pingTimeout, maxPayload: 1_000_000 };
    ws.send(`${ENGINE_OPEN}${JSON.stringify(open)}`);
  }

  private ping(): void {
    for (const socket of this.sockets) {
      if (!socket.alive) {
        socket.ws.terminate();
        continue;
      }
      socket.alive = false;
      socket.ws.send(PING);
    }
  }

  /** A text frame from a client (`onMessage` below: module-level listeners, no closure per connection). */
  received(socket: BareSocket, data: Buffer): void {
    socket.alive = true;
    const c0 = data[0];
    if (c0 === PONG) return;
    if (c0 !== MESSAGE) return;
    const c1 = data[1];
    if (c1 === SOCKET_CONNECT && !socket.joined) {
      socket.joined = true;
      socket.ws.send(`40${JSON.stringify({ sid: sessionId() })}`);
      this.connection?.(socket);
    } else if (c1 === SOCKET_EVENT && socket.joined) {
      const event = readEvent(data.toString());
      if (event === undefined || event.args[0] !== "echo" || socket.echo === undefined) return;
      const args = event.args.slice(1);
      if (event.id >= 0) {
        const id = event.id;
        args.push((...reply: unknown[]) => socket.ws.send(`43${id}${JSON.stringify(reply)}`));
      }
      socket.echo(...args);
    }
  }

  closed(socket: BareSocket): void {
    if (!this.sockets.delete(socket)) return;
    if (socket.joined) socket.disconnect?.("transport close");
  }
}

let server: BareServer | undefined;

function onMessage(this: TaggedWebSocket, data: Buffer, isBinary: boolean): void {
  const socket = this[kSocket];
  if (socket !== undefined && !isBinary) server?.received(socket, data);
}

function onClose(this: TaggedWebSocket): void {
  const socket = this[kSocket];
  if (socket !== undefined) server?.closed(socket);
}

function onError(this: TaggedWebSocket): void {
  this.terminate();
}

/** The bench's `attachSocketServer` for `--impl ws` (one server per target process). */
export function attachBareServer(http: HttpServer, path: string, options: ServerOptions): BenchSocketServer {
  server = new BareServer(http, path, options);
  return server;
}
