/**
 * gzip/deflate of polling responses (option `httpCompression`, PROTOCOL.md §A4), negotiated from
 * `Accept-Encoding` by quality then order, as `engine.io` does through `accepts`.
 * Layer: engine.
 */
import { deflate, gzip, type ZlibOptions } from "node:zlib";

export interface HttpCompressionOptions extends ZlibOptions {
  /** Bodies smaller than this many bytes are sent as they are (default 1024). */
  readonly threshold?: number;
}

export type ContentEncoding = "gzip" | "deflate";

/** Picks `gzip` or `deflate` from an `Accept-Encoding` header, or `null` for identity. */
export function negotiateEncoding(header: string | undefined): ContentEncoding | null {
  if (!header) return null;
  let best: ContentEncoding | null = null;
  let bestQ = 0;
  let wildcardQ = -1;
  const explicit = new Set<string>();
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.trim().split(";");
    const name = rawName!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q" && v !== undefined) q = Number.parseFloat(v) || 0;
    }
    if (name === "*") {
      wildcardQ = q;
      continue;
    }
    if (name !== "gzip" && name !== "deflate") continue;
    explicit.add(name);
    if (q > bestQ) {
      best = name;
      bestQ = q;
    }
  }
  if (wildcardQ > bestQ) {
    if (!explicit.has("gzip")) return "gzip";
    if (!explicit.has("deflate")) return "deflate";
  }
  return best;
}

/** Compresses a body; the callback runs exactly once. */
export function compressBody(
  encoding: ContentEncoding,
  body: string | Buffer,
  options: ZlibOptions,
  callback: (err: Error | null, result: Buffer) => void,
): void {
  (encoding === "gzip" ? gzip : deflate)(body, options, callback);
}
