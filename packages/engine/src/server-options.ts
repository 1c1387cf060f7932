/**
 * Options of the engine server, named and defaulted as `engine.io`'s (so existing configurations carry
 * over), plus Plexus' `maxOutboundBytes`.
 * Layer: engine.
 */
import type { IncomingMessage } from "node:http";
import type { CookieOptions } from "./cookie.js";
import { resolveCookieOptions } from "./cookie.js";
import type { CorsOptions } from "./cors.js";
import type { HttpCompressionOptions } from "./http-compression.js";
import type { SessionRouter } from "./routing/session-router.js";
import type { RawData } from "./socket-types.js";
import type { TransportName } from "./transport.js";
import type { PerMessageDeflateOptions } from "./websocket/permessage-deflate.js";

/** `allowRequest` callback: `fn(null, true)` accepts, `fn("message", false)` refuses with 403. */
export type AllowRequest = (
  req: IncomingMessage,
  fn: (err: string | null | undefined, success: boolean) => void,
) => void;

export interface AttachOptions {
  /** Path to capture. Default `/engine.io`. */
  path?: string;
  /** Destroy upgrade requests for other paths that nobody answered. Default `true`. */
  destroyUpgrade?: boolean;
  /** Milliseconds before such upgrades are destroyed. Default 1000. */
  destroyUpgradeTimeout?: number;
  /** Append a trailing slash to `path`. Default `true`. */
  addTrailingSlash?: boolean;
}

export interface ServerOptions extends AttachOptions {
  /** Milliseconds without a pong before the session is closed. Default 20000. */
  pingTimeout?: number;
  /** Milliseconds between pings. Default 25000. */
  pingInterval?: number;
  /**
   * Milliseconds from the probing WebSocket's arrival to its `2probe`. Default 10000. Once `3probe` is sent
   * the client has paused polling, so the wait for `5` lasts at least `pingInterval + pingTimeout` (engine.io
   * closes the probe at `upgradeTimeout` here too, and its client then loses the session).
   */
  upgradeTimeout?: number;
  /** Largest POST body / WebSocket message in bytes (413 / close 1009). Default 1e6. */
  maxHttpBufferSize?: number;
  allowRequest?: AllowRequest;
  /** Enabled transports. Default `["polling", "websocket"]`. */
  transports?: TransportName[];
  /** Default `true`. */
  allowUpgrades?: boolean;
  /** permessage-deflate on WebSocket. Default `false`. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** gzip/deflate of poll responses. Default `{ threshold: 1024 }`. */
  httpCompression?: boolean | HttpCompressionOptions;
  /** Session cookie on the handshake. Default `false`; `true` means `io`, path `/`, HttpOnly, SameSite=Lax. */
  cookie?: boolean | Partial<CookieOptions>;
  /** CORS for polling requests. Default: none. */
  cors?: boolean | CorsOptions;
  /** Accept Engine.IO 3 clients. Not supported yet: EIO=3 is always answered code 5. */
  allowEIO3?: boolean;
  /** A message sent right after the open packet. */
  initialPacket?: RawData;
  /**
   * Bound of a session's outbound queue in bytes (packets not yet handed to the transport). A session
   * above it is closed with reason "slow consumer"; volatile packets are dropped before that, as soon
   * as anything is queued. Default 4 MiB (issue 17: one slow consumer at 16 MiB peaked at +43 MB RSS,
   * +10 MB at 4 MiB; `bench/slow-consumer-memory.ts`). Not 1 MiB: the echo of a message of the default
   * `maxHttpBufferSize` (1 MB) must fit with the backlog of a poll, and a Socket.IO packet with a binary
   * attachment is queued as several items (header, then the bytes). Strings count in UTF-16 code units,
   * binary in bytes; one item bigger than the limit still goes out when nothing else is queued.
   */
  maxOutboundBytes?: number;
  /**
   * Plexus: hold long polls on the bare socket instead of on `node:http`'s request and response objects,
   * and read the polls and POSTs that follow on that connection directly (less memory per polling session,
   * less CPU per round trip). Requests for other paths, handshakes, errors and unusual requests still go
   * through `node:http`; it is off by itself while engine middlewares (other than `cors`), `headers` hooks
   * or HTTP diagnostics-channel subscribers are installed. Default `true`; `false` keeps every polling
   * request on `node:http`.
   */
  pollingTakeover?: boolean;
  /**
   * Plexus flood control: new sessions per second one remote address may open (a token bucket holding one
   * second's worth). A handshake over it is refused like an `allowRequest` refusal: polling gets `403
   * {"code":4,"message":"Too many new connections from this address"}`, a WebSocket a `400` with that
   * message, and `connection_error` fires with context name `TOO_MANY_HANDSHAKES`. Default 0: off.
   */
  maxHandshakesPerSecondPerAddress?: number;
  /**
   * Plexus flood control: sessions one remote address may hold open at once; a handshake beyond it is
   * refused as above with "Too many sessions from this address" (`TOO_MANY_SESSIONS`). Default 0: off.
   * Both limits see the TCP peer address: behind a reverse proxy every client shares the proxy's.
   */
  maxSessionsPerAddress?: number;
  /**
   * Plexus: this node's id (1–64 characters of `A-Z a-z 0-9 _ -`), put into every session id while a
   * `sessionRouter` is set, so that any node can route a request to the session's owner. Default: 8 random
   * characters per engine.
   */
  nodeId?: string;
  /**
   * Plexus: routes polling requests and upgrades for sessions owned by other nodes to their owner (no
   * sticky sessions; README "No sticky sessions"). Default: none — a foreign session id gets
   * "Session ID unknown", as with engine.io.
   */
  sessionRouter?: SessionRouter;
}

export interface ResolvedServerOptions {
  readonly path: string;
  readonly pingTimeout: number;
  readonly pingInterval: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly allowRequest: AllowRequest | undefined;
  readonly transports: readonly TransportName[];
  readonly allowUpgrades: boolean;
  readonly perMessageDeflate: false | PerMessageDeflateOptions;
  readonly httpCompression: false | HttpCompressionOptions;
  readonly cookie: CookieOptions | null;
  readonly cors: CorsOptions | null;
  readonly allowEIO3: boolean;
  readonly initialPacket: RawData | undefined;
  readonly maxOutboundBytes: number;
  readonly pollingTakeover: boolean;
  readonly maxHandshakesPerSecondPerAddress: number;
  readonly maxSessionsPerAddress: number;
}

export function computePath(options: AttachOptions): string {
  let path = (options.path || "/engine.io").replace(/\/$/, "");
  if (options.addTrailingSlash !== false) path += "/";
  return path;
}

export function resolveOptions(o: ServerOptions): ResolvedServerOptions {
  const pmd = o.perMessageDeflate;
  const hc = o.httpCompression;
  return {
    path: computePath(o),
    pingTimeout: o.pingTimeout ?? 20_000,
    pingInterval: o.pingInterval ?? 25_000,
    upgradeTimeout: o.upgradeTimeout ?? 10_000,
    maxHttpBufferSize: o.maxHttpBufferSize ?? 1e6,
    allowRequest: o.allowRequest,
    transports: o.transports ?? ["polling", "websocket"],
    allowUpgrades: o.allowUpgrades !== false,
    perMessageDeflate:
      pmd === undefined || pmd === false ? false : { threshold: 1024, ...(pmd === true ? {} : pmd) },
    httpCompression:
      hc === false ? false : { threshold: 1024, ...(hc === undefined || hc === true ? {} : hc) },
    cookie: resolveCookieOptions(o.cookie),
    cors: o.cors === undefined || o.cors === false ? null : o.cors === true ? {} : o.cors,
    allowEIO3: o.allowEIO3 === true,
    initialPacket: o.initialPacket,
    maxOutboundBytes: o.maxOutboundBytes ?? 4 * 1024 * 1024,
    pollingTakeover: o.pollingTakeover !== false,
    maxHandshakesPerSecondPerAddress: nonNegative(o.maxHandshakesPerSecondPerAddress),
    maxSessionsPerAddress: nonNegative(o.maxSessionsPerAddress),
  };
}

/** A limit option: a finite positive number, anything else (undefined, 0, negative, NaN) is off (0). */
function nonNegative(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}
