/**
 * Splits what `io(url)` receives into the engine origin, the namespace and a cache key per origin.
 * `io()` with no URL uses the page's origin; `//host` and `host:port` get the page's (or http) scheme.
 */
export interface ParsedUrl {
  /** `http(s)://host:port`, the origin the engine connects to. */
  readonly origin: string;
  /** The namespace (`/` by default): the URL path. */
  readonly nsp: string;
  /** Cache key of the Manager: origin plus engine path. */
  readonly id: string;
  /** The URL's query, if any. */
  readonly query: Record<string, string> | undefined;
}

export function parseUrl(uri: string | undefined, path: string): ParsedUrl {
  const loc = typeof location === "undefined" ? undefined : location;
  let text = uri ?? (loc ? `${loc.protocol}//${loc.host}` : "http://localhost");
  if (text.startsWith("//")) text = (loc ? loc.protocol : "https:") + text;
  else if (text.startsWith("/")) text = (loc ? `${loc.protocol}//${loc.host}` : "http://localhost") + text;
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `${loc ? loc.protocol : "https:"}//${text}`;
  const url = new URL(text);
  const scheme = url.protocol === "wss:" ? "https:" : url.protocol === "ws:" ? "http:" : url.protocol;
  const port = url.port || (scheme === "https:" ? "443" : "80");
  // WHATWG URL keeps IPv6 hosts in brackets, so `hostname:port` is always well-formed.
  const origin = `${scheme}//${url.hostname}:${port}`;
  let query: Record<string, string> | undefined;
  if (url.search.length > 1) query = Object.fromEntries(url.searchParams);
  return { origin, nsp: url.pathname || "/", id: origin + path, query };
}
