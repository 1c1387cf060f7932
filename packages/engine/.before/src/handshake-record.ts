/**
 * The compact record a session keeps of the request that opened it (DESIGN.md principle 1: the
 * `IncomingMessage` is never retained), and the small request-like object rebuilt from it for code
 * written against `socket.request` (`headers`, `url`, `session` added by a middleware, ...).
 * Layer: engine.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** Query parameters of the handshake request (last value wins, as `engine.io`). */
export type EngineQuery = Record<string, string>;

export interface HandshakeRecord {
  readonly headers: IncomingHttpHeaders;
  readonly query: EngineQuery;
  /** Remote address of the handshake connection. */
  readonly address: string;
  /** `new Date().toString()` at the handshake, as Socket.IO's `handshake.time`. */
  readonly time: string;
  /** Epoch ms of the handshake. */
  readonly issued: number;
  /** Whether the connection was TLS. */
  readonly secure: boolean;
  readonly url: string;
  /** Whether the request was cross-origin (had an `Origin` header). */
  readonly xdomain: boolean;
}

/** What `socket.request` returns: enough of an `IncomingMessage` for the usual reads. */
export interface RequestLike {
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly method: string;
  readonly _query: EngineQuery;
  readonly connection: { readonly remoteAddress: string; readonly encrypted: boolean };
  readonly socket: { readonly remoteAddress: string; readonly encrypted: boolean };
  readonly [extra: string]: unknown;
}

/** The engine's own bookkeeping properties on a request: never copied into the record. */
const INTERNAL_KEYS = new Set(["res", "websocket", "cleanup", "_query"]);

let baseline: Set<string> | null = null;

/** Own keys an `IncomingMessage` has by itself (Node's private ones all start with `_`). */
function isNativeKey(key: string): boolean {
  if (baseline === null) {
    // Keys present on every parsed request: everything Node puts there starts with `_` or is in this list.
    baseline = new Set([
      "socket",
      "httpVersionMajor",
      "httpVersionMinor",
      "httpVersion",
      "complete",
      "rawHeaders",
      "rawTrailers",
      "joinDuplicateHeaders",
      "aborted",
      "upgrade",
      "url",
      "method",
      "statusCode",
      "statusMessage",
      "client",
      "headers",
      "trailers",
      "headersDistinct",
      "trailersDistinct",
    ]);
  }
  return key.charCodeAt(0) === 95 /* _ */ || baseline.has(key) || INTERNAL_KEYS.has(key);
}

/** Properties that middlewares added to the request (`session`, `user`, ...), or `null` when none. */
export function collectRequestExtras(req: IncomingMessage): Record<string, unknown> | null {
  let extras: Record<string, unknown> | null = null;
  for (const key of Object.keys(req)) {
    if (isNativeKey(key)) continue;
    extras ??= {};
    extras[key] = (req as unknown as Record<string, unknown>)[key];
  }
  return extras;
}

/** Plain fields only; `time` and `xdomain` are derived on read so an idle session stores neither. */
class CompactHandshake implements HandshakeRecord {
  readonly headers: IncomingHttpHeaders;
  readonly query: EngineQuery;
  readonly address: string;
  readonly issued: number;
  readonly secure: boolean;
  readonly url: string;
  constructor(req: IncomingMessage, query: EngineQuery) {
    const socket = req.socket as (typeof req.socket & { encrypted?: boolean }) | null;
    this.headers = req.headers;
    this.query = query;
    this.address = socket?.remoteAddress ?? "";
    this.issued = Date.now();
    this.secure = socket?.encrypted === true;
    this.url = req.url ?? "";
  }
  get time(): string {
    return new Date(this.issued).toString();
  }
  get xdomain(): boolean {
    return this.headers.origin !== undefined;
  }
  toJSON(): Record<string, unknown> {
    const { headers, query, address, time, issued, secure, url, xdomain } = this;
    return { headers, time, address, xdomain, secure, issued, url, query };
  }
}

export function createHandshakeRecord(req: IncomingMessage, query: EngineQuery): HandshakeRecord {
  return new CompactHandshake(req, query);
}

export function createRequestLike(h: HandshakeRecord, extras: Record<string, unknown> | null): RequestLike {
  const conn = { remoteAddress: h.address, encrypted: h.secure };
  return {
    ...extras,
    headers: h.headers,
    url: h.url,
    method: "GET",
    _query: h.query,
    connection: conn,
    socket: conn,
  };
}

/** Parses the query string of a request URL (`engine.io` semantics: last value of a key wins). */
export function parseQuery(url: string | undefined): EngineQuery {
  const query: EngineQuery = {};
  if (url === undefined) return query;
  const q = url.indexOf("?");
  if (q === -1) return query;
  const search = url.slice(q + 1);
  // Escapes and `+` need URLSearchParams' decoding; engine queries (EIO, transport, sid, t) have none.
  if (search.includes("%") || search.includes("+")) {
    for (const [k, v] of new URLSearchParams(search)) query[k] = v;
    return query;
  }
  let start = 0;
  while (start <= search.length) {
    let end = search.indexOf("&", start);
    if (end === -1) end = search.length;
    if (end > start) {
      const eq = search.indexOf("=", start);
      if (eq === -1 || eq > end) query[search.slice(start, end)] = "";
      else query[search.slice(start, eq)] = search.slice(eq + 1, end);
    }
    start = end + 1;
  }
  return query;
}
