/**
 * The direct session router: a request for another node's session is relayed to that node's internal
 * address over TCP — a poll or POST as an HTTP request on a keep-alive connection (status, headers and
 * body relayed back unchanged), an upgrade as its raw bytes followed by a two-way pipe, so the WebSocket
 * runs end to end between the client and the owner. Each node also opens the internal listener the others
 * forward to (`listen`), guarded by a shared secret; addresses come from a {@link NodeDirectory}.
 * Layer: engine.
 */
import { timingSafeEqual } from "node:crypto";
import {
  Agent,
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { forwardedHeaders, routerHeaders, SECRET_HEADER, upgradeHead } from "./forwarded-head.js";
import type { NodeDirectory } from "./node-directory.js";
import { RoutingError, RoutingErrorCodes } from "./routing-error.js";
import type { RoutingEngine, SessionRouter, UnknownSession } from "./session-router.js";

export interface DirectSessionRouterOptions {
  /** Where each node's internal listener is (`host:port`); this node advertises its own there. */
  readonly directory: NodeDirectory;
  /**
   * Shared secret of the cluster: sent with every forwarded request, required by the internal listener
   * (403 without it). Strongly advised unless the internal listener is reachable by the nodes only.
   */
  readonly secret?: string;
  /** Milliseconds to wait for the owner's answer to start. Default `pingInterval + pingTimeout + 5000`. */
  readonly timeout?: number;
}

/** Where the internal listener listens (`listen`). */
export interface InternalListenOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default `127.0.0.1`: only this machine's nodes (node:cluster workers). Use a private interface across machines. */
  readonly host?: string;
  /** Address advertised to the other nodes, when it differs from the bound one (NAT, containers). */
  readonly advertise?: string;
}

/** Idle keep-alive connections to owners are closed after this, before the owner's listener would. */
const AGENT_IDLE_MS = 30_000;
const LISTENER_KEEP_ALIVE_MS = 75_000;

function splitAddress(address: string): { host: string; port: number } | null {
  const i = address.lastIndexOf(":");
  if (i <= 0) return null;
  const port = Number(address.slice(i + 1));
  let host = address.slice(0, i);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return Number.isInteger(port) && port > 0 && port < 65536 ? { host, port } : null;
}

function formatAddress(info: AddressInfo, host: string): string {
  const h = info.family === "IPv6" || host.includes(":") ? `[${info.address}]` : info.address;
  return `${h}:${info.port}`;
}

function ignore(): void {}

/**
 * @example
 * const directory = new StaticNodeDirectory({ a: "10.0.0.1:4001", b: "10.0.0.2:4001" });
 * const router = new DirectSessionRouter({ directory, secret: process.env.ROUTE_SECRET });
 * const io = new Server(httpServer, { nodeId: "a", sessionRouter: router });
 * await router.listen({ host: "10.0.0.1", port: 4001 });
 */
export class DirectSessionRouter implements SessionRouter {
  readonly nodeId: undefined = undefined;
  /** Requests and upgrades forwarded so far (a counter). */
  forwarded = 0;
  /** Forwards answered "Session ID unknown" because the owner was unknown, unreachable or gone. */
  failed = 0;
  private engine: RoutingEngine | null = null;
  private readonly directory: NodeDirectory;
  private readonly secret: Buffer | null;
  private readonly secretText: string | undefined;
  private readonly timeoutOption: number | undefined;
  private timeout = 0;
  private readonly agent = new Agent({ keepAlive: true, timeout: AGENT_IDLE_MS });
  private listener: HttpServer | null = null;
  private advertised: string | null = null;
  private closed = false;
  private readonly tunnels = new Set<Socket>();

  constructor(options: DirectSessionRouterOptions) {
    this.directory = options.directory;
    if (options.secret !== undefined && !/^[\x21-\x7e]+$/.test(options.secret)) {
      throw new TypeError("secret must be printable ASCII without spaces");
    }
    this.secretText = options.secret;
    this.secret = options.secret === undefined ? null : Buffer.from(options.secret);
    this.timeoutOption = options.timeout;
  }

  attach(engine: RoutingEngine): void {
    if (this.engine !== null) {
      throw new RoutingError(RoutingErrorCodes.ALREADY_ATTACHED, "a router serves one engine");
    }
    this.engine = engine;
    this.timeout = this.timeoutOption ?? engine.opts.pingInterval + engine.opts.pingTimeout + 5000;
    if (this.advertised !== null) this.directory.advertise(engine.nodeId, this.advertised);
  }

  /** The advertised internal address once {@link listen} resolved, else `null`. */
  get address(): string | null {
    return this.advertised;
  }

  /**
   * Opens the internal listener other nodes forward to, and advertises its address in the directory
   * (once the router is attached to its engine). Resolves to the advertised address.
   */
  async listen(options: InternalListenOptions = {}): Promise<string> {
    const host = options.host ?? "127.0.0.1";
    const server = createServer();
    server.keepAliveTimeout = LISTENER_KEEP_ALIVE_MS;
    server.on("request", (req, res) => this.onInternalRequest(req, res));
    server.on("upgrade", (req, socket, head) => this.onInternalUpgrade(req, socket, head));
    this.listener = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
    const address = options.advertise ?? formatAddress(server.address() as AddressInfo, host);
    this.advertised = address;
    if (this.engine !== null) this.directory.advertise(this.engine.nodeId, address);
    return address;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.engine !== null && this.advertised !== null) this.directory.withdraw(this.engine.nodeId);
    this.agent.destroy();
    for (const socket of this.tunnels) socket.destroy();
    this.tunnels.clear();
    const listener = this.listener;
    if (listener !== null) {
      listener.close();
      listener.closeAllConnections();
    }
  }

  // ---- forwarding side ------------------------------------------------------------------------

  private ownerOf(nodeId: string, unknown: UnknownSession): { host: string; port: number } | null {
    const address = this.closed ? undefined : this.directory.addressOf(nodeId);
    const target = address === undefined ? null : splitAddress(address);
    if (target === null) {
      this.failed++;
      unknown(new RoutingError(RoutingErrorCodes.OWNER_UNREACHABLE, `node ${nodeId} is not a known member`));
    }
    return target;
  }

  forwardRequest(nodeId: string, req: IncomingMessage, res: ServerResponse, unknown: UnknownSession): void {
    const target = this.ownerOf(nodeId, unknown);
    if (target === null) return;
    this.forwarded++;
    const upstream = request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req, routerHeaders(this.engine!.nodeId, this.secretText)),
      agent: this.agent,
    });
    // Settled once: by the owner's answer, the client leaving, or the first failure.
    let settled = false;
    const fail = (error: RoutingError): void => {
      upstream.destroy();
      if (settled) {
        if (!res.writableFinished) res.destroy();
        return;
      }
      settled = true;
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      this.failed++;
      unknown(error);
    };
    upstream.setTimeout(this.timeout, () =>
      fail(new RoutingError(RoutingErrorCodes.OWNER_TIMEOUT, `node ${nodeId} did not answer in time`)),
    );
    upstream.on("error", (err) =>
      fail(new RoutingError(RoutingErrorCodes.OWNER_GONE, `node ${nodeId}: ${(err as Error).message}`)),
    );
    upstream.on("response", (answer) => {
      settled = true;
      upstream.setTimeout(0);
      const headers: string[] = [];
      const raw = answer.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const lower = raw[i]!.toLowerCase();
        if (lower !== "connection" && lower !== "keep-alive" && lower !== "transfer-encoding")
          headers.push(raw[i]!, raw[i + 1]!);
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    // The client went away first: abandon the request at the owner too (a held poll ends there).
    res.on("close", () => {
      if (settled || res.writableFinished) return;
      settled = true;
      upstream.destroy();
    });
    req.pipe(upstream);
  }

  forwardUpgrade(
    nodeId: string,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    unknown: UnknownSession,
  ): void {
    const target = this.ownerOf(nodeId, unknown);
    if (target === null) return;
    this.forwarded++;
    const upstream = connect(target.port, target.host);
    this.tunnels.add(upstream);
    let answered = false;
    const fail = (error: RoutingError): void => {
      upstream.destroy();
      if (answered || socket.destroyed) {
        answered = true;
        socket.destroy();
        return;
      }
      answered = true;
      this.failed++;
      unknown(error);
    };
    upstream.setTimeout(this.timeout, () =>
      fail(new RoutingError(RoutingErrorCodes.OWNER_TIMEOUT, `node ${nodeId} did not answer in time`)),
    );
    upstream.on("error", (err) =>
      fail(new RoutingError(RoutingErrorCodes.OWNER_GONE, `node ${nodeId}: ${err.message}`)),
    );
    upstream.once("data", () => {
      answered = true;
      upstream.setTimeout(0);
    });
    upstream.on("close", () => {
      this.tunnels.delete(upstream);
      if (!answered) fail(new RoutingError(RoutingErrorCodes.OWNER_GONE, `node ${nodeId} closed`));
      else socket.destroy();
    });
    upstream.on("connect", () => {
      upstream.setNoDelay(true);
      upstream.write(upgradeHead(req, routerHeaders(this.engine!.nodeId, this.secretText)));
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    socket.on("error", ignore);
    socket.on("close", () => upstream.destroy());
  }

  // ---- owner side: the internal listener ------------------------------------------------------

  private allowed(req: IncomingMessage): boolean {
    const expected = this.secret;
    if (expected === null) return true;
    const given = req.headers[SECRET_HEADER];
    if (typeof given !== "string") return false;
    const bytes = Buffer.from(given);
    const ok = bytes.length === expected.length && timingSafeEqual(bytes, expected);
    delete req.headers[SECRET_HEADER];
    return ok;
  }

  private onInternalRequest(req: IncomingMessage, res: ServerResponse): void {
    const engine = this.engine;
    if (engine === null || !this.allowed(req) || !(req.url ?? "").startsWith(engine.opts.path)) {
      res.writeHead(403, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ code: RoutingErrorCodes.FORBIDDEN, message: "Forbidden" }));
      return;
    }
    engine.handleRequest(req, res);
  }

  private onInternalUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const engine = this.engine;
    if (engine === null || !this.allowed(req) || !(req.url ?? "").startsWith(engine.opts.path)) {
      socket.on("error", ignore);
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    engine.handleUpgrade(req, socket, head);
  }
}
