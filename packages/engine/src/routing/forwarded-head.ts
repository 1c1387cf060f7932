/**
 * The request head a router sends on to a session's owner: the client's method, URL and headers, without
 * the headers that only concern one hop, plus the router's own (`x-plexus-forwarded`, the shared secret).
 * Used for forwarded polls (as a header list) and for upgrades relayed as raw bytes.
 * Layer: engine.
 */
import type { IncomingMessage } from "node:http";
import { FORWARDED_HEADER } from "./session-router.js";

/** Header carrying the direct router's shared secret to the owner's internal listener. */
export const SECRET_HEADER = "x-plexus-route-secret";

/** Headers that concern one connection only (RFC 9110 §7.6.1), and the router's own, never passed on. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  FORWARDED_HEADER,
  SECRET_HEADER,
]);

/** Router headers every forwarded request carries. */
export function routerHeaders(fromNode: string, secret: string | undefined): [string, string][] {
  const extra: [string, string][] = [[FORWARDED_HEADER, fromNode]];
  if (secret !== undefined) extra.push([SECRET_HEADER, secret]);
  return extra;
}

/** `rawHeaders` minus hop-by-hop headers, as a flat `[name, value, name, value...]` list. */
export function endToEndHeaders(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1]!);
  }
  return out;
}

/** The forwarded request's headers for a plain HTTP request (`http.request` accepts the flat list). */
export function forwardedHeaders(req: IncomingMessage, extra: readonly [string, string][]): string[] {
  const out = endToEndHeaders(req.rawHeaders);
  for (const [name, value] of extra) out.push(name, value);
  return out;
}

/** The raw head of a forwarded upgrade: keeps `Connection: Upgrade` and `Upgrade: websocket`. */
export function upgradeHead(req: IncomingMessage, extra: readonly [string, string][]): string {
  let head = `${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (lower === FORWARDED_HEADER || lower === SECRET_HEADER) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  for (const [name, value] of extra) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}
