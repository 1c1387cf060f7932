/**
 * Hooks an engine into a Node HTTP(S) server as `engine.io` does: requests and upgrades under the
 * engine's path go to the engine, everything else to the listeners the server already had; unanswered
 * upgrades on other paths are ended (`destroyUpgrade`).
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
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (check(req)) engine.handleRequest(req, res);
    else for (const l of listeners) l.call(server, req, res);
  });
  if (!engine.opts.transports.includes("websocket")) return;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (check(req)) engine.handleUpgrade(req, socket, head);
    // Node keeps unanswered upgrades open once any listener exists: end them if nobody answered.
    else if (options.destroyUpgrade !== false) setTimeout(destroyUnanswered, destroyUpgradeTimeout, socket);
  });
}
