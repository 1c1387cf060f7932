/**
 * The optional session cookie of the handshake (option `cookie`, PROTOCOL.md §A2), serialised as the
 * `cookie` package does so proxies relying on it for stickiness see the same header.
 * Layer: engine.
 */

export interface CookieOptions {
  readonly name: string;
  readonly path?: string;
  readonly domain?: string;
  readonly maxAge?: number;
  readonly expires?: Date;
  readonly httpOnly?: boolean;
  readonly secure?: boolean;
  readonly partitioned?: boolean;
  readonly priority?: "low" | "medium" | "high";
  readonly sameSite?: boolean | "lax" | "strict" | "none";
}

/** Defaults applied when the option is `true` or an object (as `engine.io`). */
export function resolveCookieOptions(
  option: boolean | Partial<CookieOptions> | undefined,
): CookieOptions | null {
  if (option === undefined || option === false) return null;
  return { name: "io", path: "/", httpOnly: true, sameSite: "lax", ...(option === true ? {} : option) };
}

/** `Set-Cookie` value for the session id. */
export function serializeCookie(value: string, o: CookieOptions): string {
  let out = `${o.name}=${encodeURIComponent(value)}`;
  if (o.maxAge !== undefined && Number.isFinite(o.maxAge)) out += `; Max-Age=${Math.floor(o.maxAge)}`;
  if (o.domain) out += `; Domain=${o.domain}`;
  if (o.path) out += `; Path=${o.path}`;
  if (o.expires) out += `; Expires=${o.expires.toUTCString()}`;
  if (o.httpOnly) out += "; HttpOnly";
  if (o.secure) out += "; Secure";
  if (o.partitioned) out += "; Partitioned";
  if (o.priority) out += `; Priority=${o.priority[0]!.toUpperCase()}${o.priority.slice(1)}`;
  if (o.sameSite) {
    const s = o.sameSite === true ? "strict" : o.sameSite;
    out += `; SameSite=${s[0]!.toUpperCase()}${s.slice(1)}`;
  }
  return out;
}
