/**
 * The engine's side of owned polling connections (owned-connection.ts): when polls may leave
 * `node:http`, the batch of takeovers run in the check phase, the routing of a request read on an owned
 * connection to its session, the CORS lines and negotiated encodings of such requests (cached per header
 * value), the shared timer wheel of their timeouts, and ending them on close. One instance per engine.
 * Layer: engine.
 */
import { channel } from "node:diagnostics_channel";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { applyCors, type CorsOptions, type HeaderSink } from "./cors.js";
import { type EngineParams, type EngineQuery, parseQuery, readEngineParams } from "./handshake-record.js";
import { HeartbeatScheduler } from "./heartbeat-scheduler.js";
import { attachedEngine } from "./http-attach.js";
import { type ContentEncoding, type HttpCompressionOptions, negotiateEncoding } from "./http-compression.js";
import { takeoverSupported } from "./node-http-internals.js";
import {
  BODY_LANE,
  type ConnectionOwner,
  type OwnedConnection,
  type OwnedRequestHead,
  onOwnedTimeout,
} from "./owned-connection.js";
import { PollingTransport } from "./polling-transport.js";
import { checkRequest } from "./request-check.js";
import type { Socket } from "./socket.js";
import type { TransportName } from "./transport.js";

/** What the owned-polling side needs of its engine. */
export interface OwningEngine {
  readonly opts: {
    readonly pollingTakeover: boolean;
    readonly maxHttpBufferSize: number;
    readonly transports: readonly TransportName[];
    readonly cors: CorsOptions | null;
    readonly httpCompression: false | HttpCompressionOptions;
  };
  readonly clients: Readonly<Record<string, Socket>>;
  /** Whether no middleware or hook expects to see every request (see `Server`). */
  _seesPlainRequestsOnly(): boolean;
}

/** A takeover to run once Node is done with the request. */
export interface TakeoverJob {
  _takeOver(): void;
}

/** Subscribers of these see every request and response: then polls stay on node:http, which publishes them. */
const requestStartChannel = channel("http.server.request.start");
const responseFinishChannel = channel("http.server.response.finish");

/** Node's margin over `keepAliveTimeout` before it ends an idle connection (lib/_http_server.js). */
const KEEP_ALIVE_MARGIN_MS = 1000;
/** Bound of the small caches of CORS lines and negotiated encodings (one entry per distinct header). */
const HEADER_CACHE_SIZE = 256;

/** The routing parameters of the request being read on an owned connection (one at a time, synchronously). */
const params: EngineParams = { EIO: undefined, transport: undefined, sid: undefined };

/** A request as `checkRequest` reads it, for requests read on owned connections. */
const ownedRequest = { method: "GET", headers: { origin: undefined as string | undefined } };

/** Collects the headers CORS sets, as `Name: value` lines in order. */
class HeaderLines implements HeaderSink {
  readonly names: string[] = [];
  readonly values: string[] = [];
  setHeader(name: string, value: string): void {
    const i = this.indexOf(name);
    if (i === -1) {
      this.names.push(name);
      this.values.push(value);
    } else {
      this.values[i] = value;
    }
  }
  getHeader(name: string): string | undefined {
    const i = this.indexOf(name);
    return i === -1 ? undefined : this.values[i];
  }
  toString(): string {
    let out = "";
    for (let i = 0; i < this.names.length; i++) out += `${this.names[i]}: ${this.values[i]}\r\n`;
    return out;
  }
  private indexOf(name: string): number {
    const lower = name.toLowerCase();
    return this.names.findIndex((n) => n.toLowerCase() === lower);
  }
}

function runTakeovers(owned: OwnedPolling): void {
  const pending = owned.pending;
  owned.pending = [];
  for (const job of pending) job._takeOver();
}

export class OwnedPolling implements ConnectionOwner {
  /** Owned connections right now (a gauge for tests and metrics). */
  count = 0;
  /** Requests read and served on owned connections so far (a counter, as above). */
  requests = 0;
  /** Set when the engine closes: answers on owned connections then end them. */
  closing = false;
  /** @internal takeovers waiting for the check phase */
  pending: TakeoverJob[] = [];
  private wheel: HeartbeatScheduler<OwnedConnection> | null = null;
  private readonly corsCache = new Map<string, string>();
  private readonly encodingCache = new Map<string, ContentEncoding | null>();
  private readonly engine: OwningEngine;

  constructor(engine: OwningEngine) {
    this.engine = engine;
  }

  get opts(): OwningEngine["opts"] {
    return this.engine.opts;
  }

  /**
   * Whether polls may be held on owned connections now: the option is on, this Node supports it, and
   * nothing that expects to see every request is installed (middlewares other than the engine's own
   * CORS, `headers` hooks, diagnostics-channel subscribers).
   */
  mayOwn(): boolean {
    return (
      this.engine.opts.pollingTakeover &&
      takeoverSupported &&
      !this.closing &&
      this.engine._seesPlainRequestsOnly() &&
      !requestStartChannel.hasSubscribers &&
      !responseFinishChannel.hasSubscribers
    );
  }

  /**
   * A poll is held on node:http, or a POST's answer is due there: take its connection over once Node is
   * done with the request (in the check phase, when no HTTP parser is running).
   */
  queueTakeover(job: TakeoverJob): void {
    if (this.pending.push(job) === 1) setImmediate(runTakeovers, this);
  }

  timers(server: HttpServer): HeartbeatScheduler<OwnedConnection> {
    if (this.wheel === null) {
      const requestTimeout = server.requestTimeout > 0 ? server.requestTimeout : 300_000;
      this.wheel = new HeartbeatScheduler<OwnedConnection>(
        [server.keepAliveTimeout + KEEP_ALIVE_MARGIN_MS, requestTimeout],
        onOwnedTimeout,
      );
    }
    return this.wheel;
  }

  target(conn: OwnedConnection, head: OwnedRequestHead): PollingTransport | null {
    if (!this.mayOwn()) return null;
    // Only on a server this engine is attached to and whose request listener is still the engine's: a
    // request the application should see must reach its listeners.
    const attached = attachedEngine(conn.httpServer);
    if (
      attached === null ||
      (attached.engine as unknown) !== this.engine ||
      !head.url.startsWith(attached.path)
    )
      return null;
    const query: Partial<EngineParams> = readEngineParams(head.url, params) ? params : parseQuery(head.url);
    const sid = query.sid;
    if (sid === undefined) return null;
    ownedRequest.method = head.method;
    ownedRequest.headers.origin = head.origin;
    const { clients, opts } = this.engine;
    const bad = checkRequest(
      clients,
      opts.transports,
      ownedRequest as unknown as IncomingMessage,
      query as unknown as EngineQuery,
      false,
    );
    if (bad !== null) return null; // node:http's path answers the exact error
    const transport = clients[sid]!.transport;
    if (!(transport instanceof PollingTransport) || transport.protocol !== 4) return null;
    if (head.method === "POST" && head.contentType === "application/octet-stream") return null;
    conn.cors = this.corsLines(head.origin);
    conn.encoding = head.method === "GET" ? this.encodingFor(head.acceptEncoding) : null;
    this.requests++;
    return transport;
  }

  /** The CORS header lines of a (non-preflight) request from `origin`, `""` without CORS. */
  corsLines(origin: string | undefined): string {
    const cors = this.engine.opts.cors;
    if (cors === null) return "";
    const key = origin ?? "";
    let lines = this.corsCache.get(key);
    if (lines === undefined) {
      const sink = new HeaderLines();
      const req = { method: "GET", headers: { origin } } as unknown as IncomingMessage;
      let allowed = false;
      applyCors(cors, req, sink, (err) => {
        allowed = err === undefined || err === null;
      });
      lines = allowed ? sink.toString() : "";
      if (this.corsCache.size >= HEADER_CACHE_SIZE) this.corsCache.clear();
      this.corsCache.set(key, lines);
    }
    return lines;
  }

  /** The encoding a compressed poll answer would use for this `Accept-Encoding`. */
  encodingFor(accept: string | undefined): ContentEncoding | null {
    if (this.engine.opts.httpCompression === false || accept === undefined) return null;
    let encoding = this.encodingCache.get(accept);
    if (encoding === undefined) {
      encoding = negotiateEncoding(accept);
      if (this.encodingCache.size >= HEADER_CACHE_SIZE) this.encodingCache.clear();
      this.encodingCache.set(accept, encoding);
    }
    return encoding;
  }

  /**
   * Ends owned connections: idle ones (between requests) always, and with `all` also those holding a poll
   * (`closeAllConnections`). Node's own tracking does not see them.
   */
  close(all: boolean): void {
    this.wheel?.drain((conn, lane) => {
      if (lane === BODY_LANE || all) conn.destroy();
      else conn.closeIfIdle();
    });
    if (!all) return;
    const clients = this.engine.clients;
    for (const id in clients) {
      const transport = clients[id]!.transport;
      if (transport instanceof PollingTransport) transport._destroyOwned();
    }
  }
}
