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

/**
 * Properties that middlewares added to the request (`session`, `user`, ...), or `null` when none. They
 * move into the returned record, which later becomes `socket.request` ({@link createRequestLike}), and the
 * request forwards those properties to it: objects a middleware left behind often keep the request and
 * assign to it later (express-session's `reload`/`regenerate` replace `req.session` on the request its
 * `Session` holds), and `socket.request` must see that, as it does with Socket.IO, which keeps the request.
 */
export function collectRequestExtras(req: IncomingMessage): Record<string, unknown> | null {
  let extras: Record<string, unknown> | null = null;
  const source = req as unknown as Record<string, unknown>;
  for (const key of Object.keys(req)) {
    if (isNativeKey(key)) continue;
    extras ??= {};
    extras[key] = source[key];
  }
  if (extras !== null) for (const key in extras) forwardProperty(source, key, extras);
  return extras;
}

/** Makes `source[key]` read and write `target[key]` (one closure pair per added property, sessions with middleware state only). */
function forwardProperty(source: object, key: string, target: Record<string, unknown>): void {
  Object.defineProperty(source, key, {
    configurable: true,
    enumerable: true,
    get: () => target[key],
    set: (value: unknown) => {
      target[key] = value;
    },
  });
}

/**
 * Epoch ms at module load: `issued` is kept as an offset from it, a small integer V8 stores inline
 * (a raw `Date.now()` is above the small-integer range and costs a 16 B boxed number per session).
 */
const ISSUED_BASE = Date.now();

type PeerSocket = {
  remoteAddress?: string | undefined;
  encrypted?: boolean;
  connecting?: boolean;
  _peername?: { address?: string };
  _handle?: { getpeername?: (out: { address?: string }) => number } | null;
} | null;

/**
 * The peer address of a connection, read once. `socket.remoteAddress` caches Node's answer on the
 * socket (`_peername`, a 48 B object plus strings, for the whole life of a keep-alive polling
 * connection); the handle answers the same without caching. Falls back to the public getter.
 */
function peerAddress(socket: PeerSocket): string {
  if (socket === null) return "";
  const handle = socket._handle;
  if (
    socket._peername === undefined &&
    socket.connecting !== true &&
    typeof handle?.getpeername === "function"
  ) {
    const out: { address?: string } = {};
    if (handle.getpeername(out) === 0 && typeof out.address === "string") return shareAddress(out.address);
  }
  return shareAddress(socket.remoteAddress ?? "");
}

/** Clients behind one proxy or NAT share an address: keep one string for runs of the same one. */
let lastAddress = "";
function shareAddress(address: string): string {
  if (address === lastAddress) return lastAddress;
  lastAddress = address;
  return address;
}

/**
 * Headers whose values most clients share (same host, same browser, same language...). Each session
 * keeps its handshake's headers (`handshake.headers` is complete), and Node parses every value into a
 * fresh string: a value equal to the previous handshake's is replaced by that one string, so thousands
 * of sessions share it instead of holding a copy each. A fixed list, one remembered value per name:
 * bounded whatever the clients send. Strings are immutable, so nothing a reader can see changes.
 */
const SHARED_HEADERS = [
  "host",
  "connection",
  "user-agent",
  "accept",
  "accept-encoding",
  "accept-language",
  "origin",
  "referer",
  "cache-control",
  "pragma",
  "upgrade",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-fetch-site",
  "sec-fetch-mode",
  "sec-fetch-dest",
  "sec-ch-ua",
  "sec-ch-ua-mobile",
  "sec-ch-ua-platform",
] as const;
const lastHeaderValues = new Map<string, string>();

function shareHeaderValues(headers: IncomingHttpHeaders): void {
  const values = headers as Record<string, string | string[] | undefined>;
  for (const name of SHARED_HEADERS) {
    const value = values[name];
    if (typeof value !== "string") continue;
    const last = lastHeaderValues.get(name);
    if (last === value) values[name] = last;
    else lastHeaderValues.set(name, value);
  }
}

/**
 * Plain fields only; `time` and `xdomain` are derived on read, `query` is parsed from `url` on first
 * read, so an idle session stores none of them (DESIGN.md principle 1).
 */
class CompactHandshake implements HandshakeRecord {
  readonly headers: IncomingHttpHeaders;
  readonly address: string;
  readonly secure: boolean;
  readonly url: string;
  private _issued: number;
  private _query: EngineQuery | null = null;
  constructor(req: IncomingMessage) {
    const socket = req.socket as PeerSocket;
    this.headers = req.headers;
    shareHeaderValues(this.headers);
    this.address = peerAddress(socket);
    const offset = Date.now() - ISSUED_BASE;
    // `| 0` makes it a small integer (V8 keeps the double a subtraction yields otherwise); after ~12 days
    // of uptime the offset no longer fits and is stored as it is (boxed again, still exact).
    this._issued = offset < 0x3fffffff ? offset | 0 : offset;
    this.secure = socket?.encrypted === true;
    this.url = req.url ?? "";
  }
  get query(): EngineQuery {
    this._query ??= parseQuery(this.url);
    return this._query;
  }
  get issued(): number {
    return ISSUED_BASE + this._issued;
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

/** The record of a handshake request; its query is parsed again from `req.url` when first read. */
export function createHandshakeRecord(req: IncomingMessage): HandshakeRecord {
  return new CompactHandshake(req);
}

/**
 * `socket.request`: the record of middleware properties itself when there is one (the handshake request
 * forwards to it, see {@link collectRequestExtras}), completed with the request's usual fields.
 */
export function createRequestLike(h: HandshakeRecord, extras: Record<string, unknown> | null): RequestLike {
  const conn = { remoteAddress: h.address, encrypted: h.secure };
  const view = extras ?? {};
  view.headers = h.headers;
  view.url = h.url;
  view.method = "GET";
  view._query = h.query;
  view.connection = conn;
  view.socket = conn;
  return view as RequestLike;
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

/** The query parameters the engine routes a request on (one reused record: see {@link readEngineParams}). */
export interface EngineParams {
  EIO: string | undefined;
  transport: string | undefined;
  sid: string | undefined;
}

/**
 * Reads `EIO`, `transport` and `sid` of a request target into `out`, with {@link parseQuery}'s result for
 * these three (last value wins, a key without `=` is `""`) and no object or string per other parameter.
 * `false` when the query needs decoding (escapes, `+`): then only {@link parseQuery} is right.
 */
export function readEngineParams(url: string, out: EngineParams): boolean {
  out.EIO = out.transport = out.sid = undefined;
  const q = url.indexOf("?");
  if (q === -1) return true;
  if (url.indexOf("%", q) !== -1 || url.indexOf("+", q) !== -1) return false;
  const length = url.length;
  let start = q + 1;
  while (start <= length) {
    let end = url.indexOf("&", start);
    if (end === -1) end = length;
    if (end > start) {
      let eq = url.indexOf("=", start);
      if (eq > end) eq = -1;
      const keyLength = (eq === -1 ? end : eq) - start;
      if (keyLength === 3 || keyLength === 9) {
        const value = eq === -1 ? "" : url.slice(eq + 1, end);
        if (keyLength === 9) {
          if (url.startsWith("transport", start)) out.transport = value;
        } else if (url.startsWith("sid", start)) {
          out.sid = value;
        } else if (url.startsWith("EIO", start)) {
          out.EIO = value;
        }
      }
    }
    start = end + 1;
  }
  return true;
}
