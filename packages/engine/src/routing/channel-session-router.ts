/**
 * The channel session router: requests for another node's session travel over a {@link NodeChannel} (the
 * cluster adapter's broker) instead of a direct connection. A poll or POST goes as one `REQUEST` message
 * (method, URL, headers, body) answered by one `RESPONSE` (status, headers, body); the owner serves it on
 * its engine through an in-memory HTTP connection (loopback-server.ts). A WebSocket upgrade is tunnelled:
 * its raw bytes flow both ways as messages (channel-tunnel.ts), so the WebSocket — and the session with
 * its Socket.IO state — stays on the owner; the node the client reached only relays bytes.
 * Layer: engine.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ChannelTunnel } from "./channel-tunnel.js";
import { endToEndHeaders, forwardedHeaders, routerHeaders, upgradeHead } from "./forwarded-head.js";
import { LoopbackServer } from "./loopback-server.js";
import type { NodeChannel } from "./node-channel.js";
import {
  decodeRouteMessage,
  encodeRouteMessage,
  headerList,
  type RouteMessage,
  RouteMessageType as T,
} from "./route-message.js";
import { RoutingError, RoutingErrorCodes } from "./routing-error.js";
import type { RoutingEngine, SessionRouter, UnknownSession } from "./session-router.js";

export interface ChannelSessionRouterOptions {
  /** Milliseconds to wait for the owner's answer. Default `pingInterval + pingTimeout + 5000`. */
  readonly timeout?: number;
  /**
   * Largest request body forwarded, in bytes (more is cut, and the owner answers 413). Default: the
   * engine's `maxHttpBufferSize`.
   */
  readonly maxBodyBytes?: number;
}

/** A request this node forwarded and waits on. */
interface Pending {
  readonly node: string;
  readonly res: ServerResponse;
  readonly unknown: UnknownSession;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** A tunnel this node opened, until the owner's first bytes. */
interface Opening {
  readonly tunnel: ChannelTunnel;
  readonly unknown: UnknownSession;
  readonly timer: ReturnType<typeof setTimeout> | null;
}

function ignore(): void {}

/** The inner map of `key`, made on first use. */
function entryOf<V>(outer: Map<string, Map<number, V>>, key: string): Map<number, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

const encoder = new TextEncoder();

/**
 * @example
 * const router = new ChannelSessionRouter(adapter.nodeChannel()); // a NodeChannel from the cluster adapter
 * const io = new Server(httpServer, { sessionRouter: router });
 */
export class ChannelSessionRouter implements SessionRouter {
  /** Requests and upgrades forwarded so far (a counter). */
  forwarded = 0;
  /** Forwards answered "Session ID unknown" because the owner was unknown, gone or silent. */
  failed = 0;
  /** Malformed or unexpected messages dropped (a counter). */
  dropped = 0;
  private engine: RoutingEngine | null = null;
  private loopback: LoopbackServer | null = null;
  private timeout = 0;
  private nextId = 1;
  private closed = false;
  private readonly pending = new Map<number, Pending>();
  /** Tunnels this node opened (by id) and those it serves as owner (by node, then id). */
  private readonly opened = new Map<number, ChannelTunnel>();
  private readonly opening = new Map<number, Opening>();
  private readonly served = new Map<string, Map<number, ChannelTunnel>>();
  /** Requests served as owner, by node then id, so a `CANCEL` can abandon them. */
  private readonly serving = new Map<string, Map<number, ClientRequest>>();

  constructor(
    private readonly channel: NodeChannel,
    private readonly options: ChannelSessionRouterOptions = {},
  ) {}

  get nodeId(): string {
    return this.channel.nodeId;
  }

  attach(engine: RoutingEngine): void {
    if (this.engine !== null) {
      throw new RoutingError(RoutingErrorCodes.ALREADY_ATTACHED, "a router serves one engine");
    }
    this.engine = engine;
    this.loopback = new LoopbackServer(engine);
    this.timeout = this.options.timeout ?? engine.opts.pingInterval + engine.opts.pingTimeout + 5000;
    this.channel.onMessage((from, bytes) => this.onMessage(from, bytes));
    this.channel.onNodeGone?.((node) => this.onNodeGone(node));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const node of new Set([...this.served.keys(), ...this.serving.keys()])) this.onNodeGone(node);
    for (const p of this.pending.values()) this.onNodeGone(p.node);
    for (const t of this.opened.values()) this.onNodeGone(t.peer);
  }

  // ---- forwarding side ------------------------------------------------------------------------

  forwardRequest(nodeId: string, req: IncomingMessage, res: ServerResponse, unknown: UnknownSession): void {
    const id = this.nextId++;
    const limit = this.options.maxBodyBytes ?? this.engine!.opts.maxHttpBufferSize;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > limit) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on("end", () => {
      if (res.destroyed) return;
      const meta = {
        m: req.method ?? "GET",
        u: req.url ?? "/",
        h: forwardedHeaders(req, routerHeaders(this.engine!.nodeId, undefined)),
      };
      const message = encodeRouteMessage(T.REQUEST, id, meta, Buffer.concat(chunks));
      if (this.closed || !this.channel.send(nodeId, message)) {
        this.failed++;
        unknown(new RoutingError(RoutingErrorCodes.OWNER_UNREACHABLE, `node ${nodeId} is not a live member`));
        return;
      }
      this.forwarded++;
      const timer = setTimeout(() => this.settle(id, null), this.timeout);
      this.pending.set(id, { node: nodeId, res, unknown, timer });
      res.on("close", () => {
        if (!this.pending.has(id)) return;
        this.settle(id, undefined);
        this.channel.send(nodeId, encodeRouteMessage(T.CANCEL, id, null));
      });
    });
  }

  /**
   * Ends a pending request: with the owner's answer, with "Session ID unknown" (`null`: timed out;
   * a RoutingError: gone), or silently (`undefined`: the client left).
   */
  private settle(id: number, answer: RouteMessage | RoutingError | null | undefined): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (answer === undefined) return;
    if (answer === null || answer instanceof RoutingError) {
      this.failed++;
      p.unknown(
        answer ?? new RoutingError(RoutingErrorCodes.OWNER_TIMEOUT, `node ${p.node} did not answer in time`),
      );
      return;
    }
    const status = answer.meta?.s;
    const headers = headerList(answer.meta?.h);
    if (typeof status !== "number" || headers === null) {
      this.dropped++;
      p.res.destroy();
      return;
    }
    p.res.writeHead(status, headers);
    p.res.end(answer.payload);
  }

  forwardUpgrade(
    nodeId: string,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    unknown: UnknownSession,
  ): void {
    const id = this.nextId++;
    const bytes = encoder.encode(upgradeHead(req, routerHeaders(this.engine!.nodeId, undefined)));
    const open = encodeRouteMessage(T.OPEN, id, null, Buffer.concat([bytes, head]));
    if (this.closed || !this.channel.send(nodeId, open)) {
      this.failed++;
      unknown(new RoutingError(RoutingErrorCodes.OWNER_UNREACHABLE, `node ${nodeId} is not a live member`));
      return;
    }
    this.forwarded++;
    socket.on("error", ignore);
    const tunnel = new ChannelTunnel(this.channel, nodeId, id, socket, true, (t) => {
      this.opened.delete(t.id);
      this.dropOpening(t.id);
    });
    this.opened.set(id, tunnel);
    const timer = setTimeout(
      () =>
        this.failOpening(
          id,
          new RoutingError(RoutingErrorCodes.OWNER_TIMEOUT, `node ${nodeId} did not answer in time`),
        ),
      this.timeout,
    );
    this.opening.set(id, { tunnel, unknown, timer });
  }

  private dropOpening(id: number): Opening | undefined {
    const o = this.opening.get(id);
    if (o === undefined) return undefined;
    this.opening.delete(id);
    if (o.timer !== null) clearTimeout(o.timer);
    return o;
  }

  /** The owner failed before its first byte: the client gets "Session ID unknown". */
  private failOpening(id: number, error: RoutingError): void {
    const o = this.dropOpening(id);
    if (o === undefined) return;
    o.tunnel.abandon();
    this.failed++;
    o.unknown(error);
  }

  // ---- messages -------------------------------------------------------------------------------

  private onMessage(from: string, bytes: Uint8Array): void {
    const m = decodeRouteMessage(bytes);
    if (m === null || this.closed) {
      this.dropped++;
      return;
    }
    if (m.type === T.REQUEST) this.serveRequest(from, m);
    else if (m.type === T.RESPONSE) this.settle(m.id, m);
    else if (m.type === T.CANCEL) this.serving.get(from)?.get(m.id)?.destroy();
    else if (m.type === T.OPEN) this.serveTunnel(from, m);
    else if (m.type <= T.UP_END) this.onTunnelMessage(this.served.get(from)?.get(m.id), m);
    else if (m.type === T.DOWN_END && this.opening.has(m.id)) {
      this.failOpening(m.id, new RoutingError(RoutingErrorCodes.OWNER_GONE, `node ${from} closed`));
    } else {
      if (m.type === T.DOWN_DATA) this.dropOpening(m.id);
      this.onTunnelMessage(this.opened.get(m.id), m);
    }
  }

  /** Data, credit or end for one end of a tunnel (either direction). */
  private onTunnelMessage(tunnel: ChannelTunnel | undefined, m: RouteMessage): void {
    if (tunnel === undefined) return;
    if (m.type === T.UP_DATA || m.type === T.DOWN_DATA) tunnel.onPeerData(m.payload);
    else if (m.type === T.UP_ACK || m.type === T.DOWN_ACK) tunnel.onPeerAck(Number(m.meta?.n) || 0);
    else tunnel.onPeerEnd();
  }

  private onNodeGone(node: string): void {
    const gone = new RoutingError(RoutingErrorCodes.OWNER_GONE, `node ${node} left`);
    for (const [id, p] of this.pending) if (p.node === node) this.settle(id, gone);
    for (const [id, t] of this.opened) {
      if (t.peer !== node) continue;
      if (this.opening.has(id)) this.failOpening(id, gone);
      else t.onPeerEnd();
    }
    const served = this.served.get(node);
    if (served !== undefined) for (const t of served.values()) t.onPeerEnd();
    const serving = this.serving.get(node);
    if (serving !== undefined) for (const r of serving.values()) r.destroy();
  }

  // ---- owner side -----------------------------------------------------------------------------

  private serveRequest(from: string, m: RouteMessage): void {
    const method = m.meta?.m;
    const url = m.meta?.u;
    const headers = headerList(m.meta?.h);
    if (typeof method !== "string" || typeof url !== "string" || headers === null) {
      this.dropped++;
      return;
    }
    const requests = entryOf(this.serving, from);
    const req = this.loopback!.request(method, url, headers, m.payload);
    requests.set(m.id, req);
    const done = (): void => {
      requests.delete(m.id);
      if (requests.size === 0 && this.serving.get(from) === requests) this.serving.delete(from);
    };
    req.on("error", done);
    req.on("response", (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("error", done);
      answer.on("end", () => {
        done();
        const meta = { s: answer.statusCode ?? 500, h: endToEndHeaders(answer.rawHeaders) };
        this.channel.send(from, encodeRouteMessage(T.RESPONSE, m.id, meta, Buffer.concat(chunks)));
      });
    });
  }

  private serveTunnel(from: string, m: RouteMessage): void {
    const tunnels = entryOf(this.served, from);
    const local = this.loopback!.connect(m.payload);
    const tunnel = new ChannelTunnel(this.channel, from, m.id, local, false, (t) => {
      tunnels.delete(t.id);
      if (tunnels.size === 0 && this.served.get(from) === tunnels) this.served.delete(from);
    });
    tunnels.set(m.id, tunnel);
  }
}
