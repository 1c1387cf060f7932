/**
 * Serves the browser client built by `@plexus/client` (its `dist/`) at `<path>/socket.io.js`,
 * `.min.js`, `.esm.min.js`, `.msgpack.min.js` (msgpack parser by default) and their maps, as Socket.IO does: ETag + 304, gzip/br chosen from
 * `Accept-Encoding` (compressed once, then cached), CORS headers when the `cors` option is set.
 * A file that is not built answers 404.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";
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
}

type Cors = EngineOptions["cors"];

let distDir: string | null | undefined;

/** `dist/` of the installed `@plexus/client`, found from its entry point; `null` when not installed. */
function clientDist(): string | null {
  if (distDir !== undefined) return distDir;
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve("@plexus/client")));
    while (!existsSync(join(dir, "package.json"))) {
      const up = dirname(dir);
      if (up === dir) throw new Error("no package.json");
      dir = up;
    }
    distDir = join(dir, "dist");
  } catch {
    distDir = null;
  }
  return distDir;
}

function acceptedEncoding(header: string | undefined): "br" | "gzip" | undefined {
  if (header === undefined) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q" && v !== undefined) q = Number(v);
    }
    if (name !== undefined && name !== "") accepted.set(name.toLowerCase(), q);
  }
  const star = accepted.get("*");
  const br = accepted.get("br") ?? star ?? 0;
  const gzip = accepted.get("gzip") ?? star ?? 0;
  if (br > 0 && br >= gzip) return "br";
  if (gzip > 0) return "gzip";
  return undefined;
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
    if (encoding === "br") {
      file.br ??= brotliCompressSync(file.identity);
      body = file.br;
      headers["Content-Encoding"] = "br";
    } else if (encoding === "gzip") {
      file.gzip ??= gzipSync(file.identity);
      body = file.gzip;
      headers["Content-Encoding"] = "gzip";
    }
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
