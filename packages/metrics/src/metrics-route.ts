/**
 * Serves the metrics on an existing HTTP server (`GET /metrics`) in front of its other request
 * listeners, the way the server serves its client bundle: the listeners the server had are called for
 * every other request, and Plexus's engine keeps reading its polling requests off `node:http`
 * (`declareForwardingListener`: the route never sees a request that carries a session id).
 * Layer: metrics.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { declareForwardingListener } from "@plexus/engine";

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q === -1 ? u : u.slice(0, q);
}

/** Answers 404 when the server had no other listener (Node would leave the request hanging). */
function notFound(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("Not Found");
}

/** Mounts `handler` at `path` on `server`; returns the function that takes it off again. */
export function mountRoute(server: HttpServer, path: string, handler: RequestListener): () => void {
  const previous = server.listeners("request").slice(0) as RequestListener[];
  const others = previous.length > 0 ? previous : [notFound];
  let active = true;
  const listener: RequestListener = (req, res) => {
    if (active && pathOf(req.url) === path) {
      handler(req, res);
      return;
    }
    for (const l of others) l.call(server, req, res);
  };
  server.removeAllListeners("request");
  server.on("request", listener);
  declareForwardingListener(server, listener, previous);
  return () => {
    active = false;
    const now = server.listeners("request");
    // Still the only listener: put the previous ones back (else stay, answering nothing any more).
    if (now.length !== 1 || now[0] !== listener) return;
    server.removeListener("request", listener);
    for (const l of previous) server.on("request", l);
    if (previous.length === 1) declareForwardingListener(server, previous[0]!, [listener]);
  };
}
