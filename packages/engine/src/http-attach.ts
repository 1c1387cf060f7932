/**
 * Hooks an engine into a Node HTTP(S) server as `engine.io` does: requests and upgrades under the
 * engine's path go to the engine, everything else to the listeners the server already had; unanswered
 * upgrades on other paths are ended (`destroyUpgrade`). The server is marked with the engine and path
 * of its request listener, so that requests read on connections the engine owns (owned-connection.ts)
 * are only served while that listener is the server's only one; `closeIdleConnections` and
 * `closeAllConnections` also end those connections, which Node's own tracking does not see.
 * Layer: engine.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type AttachOptions, computePath, type ResolvedServerOptions } from "./server-options.js";

/** What attaching needs of the engine. */
export interface AttachableEngine {
  readonly opts: ResolvedServerOptions;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): unknown;
  /** Ends the connections the engine owns: idle ones, or all of them. */
  _closeOwned?(all: boolean): void;
}

/** What {@link attachToHttpServer} leaves on the server. */
export interface AttachedEngine {
  readonly engine: AttachableEngine;
  readonly path: string;
  readonly listener: (...args: never[]) => void;
}

const kAttached = Symbol("plexus.attached");
type MarkedServer = HttpServer & { [kAttached]?: AttachedEngine; _events?: Record<string, unknown> };

/**
 * The engine whose request listener is the only `request` listener of `server`, with its path; `null`
 * when anything else listens (its listeners must see every request).
 */
export function attachedEngine(server: HttpServer): AttachedEngine | null {
  const s = server as MarkedServer;
  const marker = s[kAttached];
  // `_events.request` is the listener itself while it is the only one (EventEmitter's storage).
  if (marker === undefined || s._events?.request !== marker.listener) return null;
  return marker;
}

/**
 * Declares that `listener`, now the only `request` listener of `server`, took the place of `previous`
 * (the listeners it calls for what it does not answer itself) and hands every request that carries an
 * engine session id (`sid`) to them unchanged — e.g. Socket.IO's bundle route in front of the engine.
 * When `previous` is exactly the attached engine's listener, polls and POSTs read on connections the
 * engine owns keep bypassing `node:http`. Returns whether that is the case.
 */
export function declareForwardingListener(
  server: HttpServer,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  previous: readonly unknown[],
): boolean {
  const s = server as MarkedServer;
  const marker = s[kAttached];
  if (marker === undefined || previous.length !== 1 || previous[0] !== marker.listener) return false;
  s[kAttached] = { engine: marker.engine, path: marker.path, listener };
  return true;
}

function wrapCloseMethods(server: HttpServer, engine: AttachableEngine): void {
  const closeIdle = server.closeIdleConnections;
  const closeAll = server.closeAllConnections;
  if (typeof closeIdle !== "function" || typeof closeAll !== "function") return;
  // `server.close()` calls `closeIdleConnections` too (Node >= 19).
  server.closeIdleConnections = function (this: HttpServer) {
    closeIdle.call(this);
    engine._closeOwned?.(false);
  };
  server.closeAllConnections = function (this: HttpServer) {
    closeAll.call(this);
    engine._closeOwned?.(true);
  };
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

function ignore(): void {}

function destroyUnanswered(socket: Duplex & { bytesWritten?: number }): void {
  if (socket.writable && (socket.bytesWritten ?? 0) <= 0) {
    socket.on("error", ignore);
    socket.end();
  }
}

export function attachToHttpServer(
  engine: AttachableEngine,
  server: HttpServer,
  options: AttachOptions,
): void {
  const path =
    options.path !== undefined || options.addTrailingSlash !== undefined
      ? computePath(options)
      : engine.opts.path;
  const destroyUpgradeTimeout = options.destroyUpgradeTimeout ?? 1000;
  const check = (req: IncomingMessage): boolean => (req.url ?? "").startsWith(path);
  const listeners = server.listeners("request").slice(0) as RequestListener[];
  server.removeAllListeners("request");
  server.on("close", () => engine.close());
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (check(req)) engine.handleRequest(req, res);
    else for (const l of listeners) l.call(server, req, res);
  };
  server.on("request", listener);
  (server as MarkedServer)[kAttached] = { engine, path, listener };
  wrapCloseMethods(server, engine);
  if (!engine.opts.transports.includes("websocket")) return;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (check(req)) engine.handleUpgrade(req, socket, head);
    // Node keeps unanswered upgrades open once any listener exists: end them if nobody answered.
    else if (options.destroyUpgrade !== false) setTimeout(destroyUnanswered, destroyUpgradeTimeout, socket);
  });
}
