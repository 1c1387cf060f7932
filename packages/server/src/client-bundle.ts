/**
 * Serves the browser client built by `@plexus/client` (its `dist/`) at `<path>/socket.io.js`,
 * `.min.js`, `.esm.min.js`, `.msgpack.min.js` (msgpack parser by default) and their maps, as Socket.IO does:
 * ETag + 304, br/gzip/deflate chosen from
 * `Accept-Encoding` (compressed once, then cached), CORS headers when the `cors` option is set.
 * A file that is not built answers 404.
 *
 * Encoding choice: the client's q-values decide; among equally acceptable encodings the server prefers
 * br, then gzip, then deflate. The order of names in the header carries no preference (RFC 9110 §12.5.3:
 * only q-values do), and browsers list `gzip, deflate, br` for historical reasons; socket.io follows that
 * order and so sends gzip. Plexus sends br like CDNs (Cloudflare, Fastly, CloudFront) and nginx's
 * `brotli_static` do when both are accepted: the minified bundle is ~9 % smaller, and the compression is
 * paid once per file (cached).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import type { ServerOptions as EngineOptions } from "@plexus/engine";

const CLIENT_FILES: ReadonlySet<string> = new Set([
  "socket.io.js",
  "socket.io.js.map",
  "socket.io.min.js",
  "socket.io.min.js.map",
  "socket.io.esm.min.js",
  "socket.io.esm.min.js.map",
  "socket.io.msgpack.min.js",
  "socket.io.msgpack.min.js.map",
]);

interface CachedFile {
  readonly etag: string;
  readonly type: string;
  readonly identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  deflate?: Buffer;
}

type Cors = EngineOptions["cors"];

type Encoding = "br" | "gzip" | "deflate";
/** Server preference among encodings the client accepts with the same q-value (see the header). */
const ENCODINGS: readonly Encoding[] = ["br", "gzip", "deflate"];

let distDir: string | null | undefined;

/**
 * This module's own path. `import.meta.url` under native ESM; `__filename` when the module runs as
 * CommonJS: the package's CommonJS build, or the ESM sources transformed by a loader hook (tsx's
 * `require`, jest-style transforms), where `import.meta` is an empty stand-in without `resolve`.
 */
function ownPath(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}

/** `dist/` of the installed `@plexus/client`, found from its `package.json`; `null` when not installed. */
function clientDist(): string | null {
  if (distDir !== undefined) return distDir;
  try {
    distDir = join(dirname(createRequire(ownPath()).resolve("@plexus/client/package.json")), "dist");
  } catch {
    distDir = null;
  }
  return distDir;
}

/** The encoding to send for this `Accept-Encoding`: highest q-value, ties broken by {@link ENCODINGS}. */
export function acceptedEncoding(header: string | undefined): Encoding | undefined {
  if (header === undefined) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k?.trim() === "q" && v !== undefined) q = Number(v) || 0;
    }
    if (name !== undefined && name !== "") accepted.set(name.trim().toLowerCase(), q);
  }
  const star = accepted.get("*") ?? 0;
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const encoding of ENCODINGS) {
    const q = accepted.get(encoding) ?? star;
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}

export class ClientBundle {
  private readonly cache = new Map<string, CachedFile>();
  private readonly cors: Cors;
  private readonly dir: string | undefined;

  /** `dir` overrides where the files are read from (default: `@plexus/client`'s `dist/`). */
  constructor(cors: Cors, dir?: string) {
    this.cors = cors;
    this.dir = dir;
  }

  /** Whether `filename` is one of the client files (served, or 404 when not built). */
  has(filename: string): boolean {
    return CLIENT_FILES.has(filename);
  }

  private load(filename: string): CachedFile | undefined {
    const cached = this.cache.get(filename);
    if (cached !== undefined) return cached;
    const dir = this.dir ?? clientDist();
    if (dir === null) return undefined;
    let identity: Buffer;
    try {
      identity = readFileSync(join(dir, filename));
    } catch {
      return undefined;
    }
    const file: CachedFile = {
      etag: `"${createHash("sha1").update(identity).digest("base64url").slice(0, 20)}"`,
      type: `application/${filename.endsWith(".map") ? "json" : "javascript"}; charset=utf-8`,
      identity,
    };
    this.cache.set(filename, file);
    return file;
  }

  serve(filename: string, req: IncomingMessage, res: ServerResponse): void {
    this.applyCors(req, res);
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    const file = this.load(filename);
    if (file === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    const inm = req.headers["if-none-match"];
    if (inm !== undefined && (inm === file.etag || inm === `W/${file.etag}`)) {
      res.writeHead(304, { ETag: file.etag });
      res.end();
      return;
    }
    const headers: Record<string, string | number> = {
      "Cache-Control": "public, max-age=0",
      "Content-Type": file.type,
      ETag: file.etag,
      Vary: "Accept-Encoding",
    };
    let body = file.identity;
    const encoding = acceptedEncoding(req.headers["accept-encoding"]);
    if (encoding === "br") body = file.br ??= brotliCompressSync(file.identity);
    else if (encoding === "gzip") body = file.gzip ??= gzipSync(file.identity);
    else if (encoding === "deflate") body = file.deflate ??= deflateSync(file.identity);
    if (encoding !== undefined) headers["Content-Encoding"] = encoding;
    headers["Content-Length"] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** The usual CORS answer headers for a static `cors.origin` rule (function rules reflect the origin). */
  private applyCors(req: IncomingMessage, res: ServerResponse): void {
    const cors = this.cors;
    if (cors === undefined || cors === false) return;
    const options = cors === true ? {} : cors;
    const origin = req.headers.origin;
    const rule = options.origin ?? "*";
    let allow: string | undefined;
    if (rule === "*") allow = "*";
    else if (typeof rule === "string") allow = rule;
    else if (origin !== undefined && matches(origin, rule)) allow = origin;
    if (allow !== undefined) res.setHeader("Access-Control-Allow-Origin", allow);
    if (allow !== "*") res.setHeader("Vary", "Origin");
    if (options.credentials === true) res.setHeader("Access-Control-Allow-Credentials", "true");
    if (req.method === "OPTIONS") {
      const methods = options.methods ?? "GET,HEAD,PUT,PATCH,POST,DELETE";
      res.setHeader(
        "Access-Control-Allow-Methods",
        typeof methods === "string" ? methods : methods.join(","),
      );
    }
  }
}

function matches(origin: string, rule: unknown): boolean {
  if (rule === true || typeof rule === "function") return true;
  if (typeof rule === "string") return rule === origin;
  if (rule instanceof RegExp) return rule.test(origin);
  if (Array.isArray(rule)) return rule.some((r) => matches(origin, r));
  return false;
}
