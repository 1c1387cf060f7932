/**
 * What the engine layer needs from its host: an HTTP request for polling and a WebSocket constructor.
 * Node (`node:http`, `ws`) and browsers (`fetch`, `WebSocket`) each fill this record in their own entry
 * point, so Node modules never reach the browser bundle.
 */

import type { TransportOptions } from "./transport.js";

export interface HttpRequest {
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly body?: string | undefined;
  /**
   * The request must outlive the page (the close packet sent from `beforeunload`): in browsers a
   * `keepalive` fetch, which the page's unload does not cancel. Ignored in Node.
   */
  readonly keepalive?: boolean;
  /** The transport's options: `extraHeaders`, `withCredentials`, and in Node `agent`, TLS and `autoUnref`. */
  readonly opts: TransportOptions;
}

/**
 * Called once per request. `err` is null on a 200 answer, the HTTP status (a number) for any other status, or
 * the network error; `context` is the response, when there is one (socket.io-client hands both to the app).
 */
export type HttpCallback = (err: number | Error | null, body: string, context?: unknown) => void;

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
  /**
   * Opens a WebSocket with the transport's `protocols`; `extraHeaders`, `agent`, TLS options and `autoUnref` are
   * honoured only where the host allows it (Node).
   */
  websocket(url: string, opts: TransportOptions): WebSocketLike;
  /**
   * Turns received bytes into what the application gets for the engine's `binaryType`: `Buffer` in Node
   * ("nodebuffer", the default there), `ArrayBuffer` ("arraybuffer", the browsers' default) or `Blob`.
   */
  binary(bytes: Uint8Array, binaryType: BinaryType): unknown;
  /** `binaryType` of a new engine socket: "nodebuffer" in Node, "arraybuffer" in browsers. */
  readonly defaultBinaryType: BinaryType;
}

/** What received binary becomes (engine.io-client's `socket.binaryType`). */
export type BinaryType = "nodebuffer" | "arraybuffer" | "blob";

let current: Platform | undefined;

/** Installs the host implementation (done by each entry point). */
export function setPlatform(platform: Platform): void {
  current = platform;
}

export function platform(): Platform {
  if (current === undefined) throw new Error("@plexus/client: no platform installed");
  return current;
}
