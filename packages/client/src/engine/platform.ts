/**
 * What the engine layer needs from its host: an HTTP request for polling and a WebSocket constructor.
 * Node (`node:http`, `ws`) and browsers (`fetch`, `WebSocket`) each fill this record in their own entry
 * point, so Node modules never reach the browser bundle.
 */

export interface HttpRequest {
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly withCredentials: boolean;
}

/** Called once per request: `err` for a network failure or a status other than 200. */
export type HttpCallback = (err: Error | null, body: string) => void;

/** The subset of the WHATWG WebSocket that both the browser's `WebSocket` and `ws` provide. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  /** `options` is honoured by `ws` (per-message compression); browsers ignore it. */
  send(data: string | Uint8Array, options?: { compress: boolean }): void;
  close(): void;
}

export interface Platform {
  /** Sends a request; returns a function that aborts it. */
  request(req: HttpRequest, cb: HttpCallback): () => void;
  /** Opens a WebSocket; `headers` are honoured only where the host allows it (Node). */
  websocket(url: string, headers: Readonly<Record<string, string>>): WebSocketLike;
  /** Turns received bytes into what the application gets: `Buffer` in Node, `ArrayBuffer` in browsers. */
  binary(bytes: Uint8Array): unknown;
}

let current: Platform | undefined;

/** Installs the host implementation (done by each entry point). */
export function setPlatform(platform: Platform): void {
  current = platform;
}

export function platform(): Platform {
  if (current === undefined) throw new Error("@plexus/client: no platform installed");
  return current;
}
