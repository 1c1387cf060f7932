/**
 * CORS for the polling transport (option `cors`, PROTOCOL.md §A4), with the semantics of the `cors`
 * middleware that `engine.io` installs: same headers, same preflight answer (204, empty body).
 * Layer: engine.
 */
import type { IncomingMessage } from "node:http";

/** A static origin rule: `*`/exact string, RegExp, a list of them, or `true` (reflect the request's Origin). */
export type StaticOrigin = boolean | string | RegExp | ReadonlyArray<string | RegExp>;
/** Decides per request; call back with an error (request refused with 400) or the rule to apply. */
export type CustomOrigin = (
  origin: string | undefined,
  callback: (err: Error | null, origin?: StaticOrigin) => void,
) => void;

export interface CorsOptions {
  /** Default `"*"`. */
  readonly origin?: StaticOrigin | CustomOrigin;
  /** Default `GET,HEAD,PUT,PATCH,POST,DELETE`. */
  readonly methods?: string | readonly string[];
  /** Default: reflect `Access-Control-Request-Headers`. */
  readonly allowedHeaders?: string | readonly string[];
  /** Alias of {@link allowedHeaders}, as in the `cors` package (used when `allowedHeaders` is not set). */
  readonly headers?: string | readonly string[];
  readonly exposedHeaders?: string | readonly string[];
  readonly credentials?: boolean;
  readonly maxAge?: number;
  /** Let the preflight through to the engine (default `false`: answered here). */
  readonly preflightContinue?: boolean;
  /** Status of the preflight answer (default 204). */
  readonly optionsSuccessStatus?: number;
}

/** The parts of a response CORS writes to (a `ServerResponse`, or the header record of an upgrade). */
export interface HeaderSink {
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): unknown;
}
interface EndableSink extends HeaderSink {
  statusCode: number;
  end(): unknown;
}

const DEFAULT_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

function join(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

function isAllowed(origin: string | undefined, rule: StaticOrigin): boolean {
  if (origin === undefined) return false;
  if (typeof rule === "string") return origin === rule;
  if (rule instanceof RegExp) return rule.test(origin);
  if (typeof rule === "boolean") return rule;
  for (const r of rule) if (isAllowed(origin, r)) return true;
  return false;
}

function vary(res: HeaderSink, field: string): void {
  const current = res.getHeader("Vary");
  if (typeof current !== "string" || current === "") {
    res.setHeader("Vary", field);
  } else if (
    current !== "*" &&
    !current
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(field.toLowerCase())
  ) {
    res.setHeader("Vary", `${current}, ${field}`);
  }
}

function applyOrigin(rule: StaticOrigin, req: IncomingMessage, res: HeaderSink): void {
  if (rule === "*") {
    res.setHeader("Access-Control-Allow-Origin", "*");
  } else if (typeof rule === "string") {
    res.setHeader("Access-Control-Allow-Origin", rule);
    vary(res, "Origin");
  } else {
    const origin = req.headers.origin;
    if (isAllowed(origin, rule)) res.setHeader("Access-Control-Allow-Origin", origin!);
    vary(res, "Origin");
  }
}

function applyHeaders(
  o: CorsOptions,
  rule: StaticOrigin,
  req: IncomingMessage,
  res: HeaderSink,
  pre: boolean,
): void {
  applyOrigin(rule, req, res);
  if (o.credentials === true) res.setHeader("Access-Control-Allow-Credentials", "true");
  if (pre) {
    res.setHeader("Access-Control-Allow-Methods", join(o.methods) ?? DEFAULT_METHODS);
    let allowed = join(o.allowedHeaders || o.headers);
    if (allowed === undefined) {
      allowed = req.headers["access-control-request-headers"];
      vary(res, "Access-Control-Request-Headers");
    }
    if (allowed) res.setHeader("Access-Control-Allow-Headers", allowed);
    if (o.maxAge !== undefined) res.setHeader("Access-Control-Max-Age", String(o.maxAge));
  }
  const exposed = join(o.exposedHeaders);
  if (exposed) res.setHeader("Access-Control-Expose-Headers", exposed);
}

/**
 * Applies CORS to one request. Calls `next()` to continue, `next(err)` to refuse (400 "Bad request",
 * as a middleware failure), or nothing when it answered the preflight itself.
 */
export function applyCors(
  o: CorsOptions,
  req: IncomingMessage,
  res: HeaderSink,
  next: (err?: unknown) => void,
): void {
  const origin = o.origin ?? "*";
  const run = (err: Error | null, rule?: StaticOrigin): void => {
    if (err || !rule) {
      next(err ?? undefined);
      return;
    }
    const preflight = req.method === "OPTIONS";
    applyHeaders(o, rule, req, res, preflight);
    if (preflight && o.preflightContinue !== true && "end" in res) {
      const r = res as EndableSink;
      r.statusCode = o.optionsSuccessStatus ?? 204;
      r.setHeader("Content-Length", "0");
      r.end();
      return;
    }
    next();
  };
  if (typeof origin === "function") origin(req.headers.origin, run);
  else run(null, origin);
}
