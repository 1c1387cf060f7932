/**
 * The cookie jar of a Node client with `withCredentials` (browsers have their own): cookies set by the
 * polling answers (a load balancer's sticky-session cookie, typically) go back with every later request and
 * with the WebSocket handshake, as engine.io-client does in Node. One jar per engine connection.
 */

interface Cookie {
  readonly value: string;
  /** Epoch ms; `Infinity` for a session cookie. */
  readonly expires: number;
}

export type CookieJar = Record<string, Cookie>;

/** Stores the cookies of `Set-Cookie` answers; `Max-Age` wins over `Expires`, and ≤ 0 deletes (RFC 6265 §5.2). */
export function storeCookies(jar: CookieJar, setCookie: readonly string[] | undefined): void {
  for (const line of setCookie ?? []) {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    if (eq < 1 || name === "") continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
    let expires = Number.POSITIVE_INFINITY;
    let maxAge: number | undefined;
    for (const attribute of attributes) {
      const [key = "", val = ""] = attribute.split("=").map((s) => s.trim());
      if (key.toLowerCase() === "expires") {
        const t = new Date(val).getTime();
        expires = Number.isNaN(t) ? 0 : t;
      } else if (key.toLowerCase() === "max-age") {
        const delta = Number.parseInt(val, 10);
        maxAge = Number.isNaN(delta) || delta <= 0 ? 0 : Date.now() + delta * 1000;
      }
    }
    jar[name] = { value, expires: maxAge ?? expires };
  }
}

/** The `Cookie` header for the jar's live cookies, or undefined when it holds none. */
export function cookieHeader(jar: CookieJar): string | undefined {
  const now = Date.now();
  const pairs: string[] = [];
  for (const name in jar) {
    const cookie = jar[name]!;
    if (cookie.expires <= now) delete jar[name];
    else pairs.push(`${name}=${cookie.value}`);
  }
  return pairs.length > 0 ? pairs.join("; ") : undefined;
}
