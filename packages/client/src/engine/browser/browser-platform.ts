/**
 * The browser host: long-polling over `fetch`, the native `WebSocket`, binary received as `ArrayBuffer`
 * like the official client.
 */
import type { BinaryType, HttpCallback, HttpRequest, Platform, WebSocketLike } from "../platform.js";
import type { TransportOptions } from "../transport.js";

function request(req: HttpRequest, cb: HttpCallback): () => void {
  const controller = new AbortController();
  let done = false;
  const { body, opts } = req;
  const init: RequestInit = {
    method: req.method,
    headers: { ...opts.extraHeaders },
    credentials: opts.withCredentials ? "include" : "same-origin",
    cache: "no-store",
    signal: controller.signal,
  };
  if (body !== undefined) {
    init.body = body;
    (init.headers as Record<string, string>)["content-type"] = "text/plain;charset=UTF-8";
  }
  // A keepalive fetch survives the page's unload. Only for a simple request (no extra headers): a
  // keepalive request that needs a CORS preflight is refused by some browsers.
  if (req.keepalive === true && Object.keys(opts.extraHeaders ?? {}).length === 0) init.keepalive = true;
  // requestTimeout: aborting settles the fetch with an error (a no-op once it completed).
  if (opts.requestTimeout) setTimeout(() => controller.abort(), opts.requestTimeout);
  fetch(req.url, init)
    .then(async (res) => {
      const text = await res.text();
      if (!done) cb(res.status === 200 ? null : res.status, text, res);
    })
    .catch((err: unknown) => {
      if (!done) cb(err instanceof Error ? err : new Error(String(err)), "");
    });
  return () => {
    done = true;
    controller.abort();
  };
}

function websocket(url: string, opts: TransportOptions): WebSocketLike {
  const ws = new WebSocket(url, opts.protocols) as unknown as WebSocketLike;
  ws.binaryType = "arraybuffer";
  return ws;
}

function binary(bytes: Uint8Array, binaryType: BinaryType): unknown {
  if (binaryType === "blob") return new Blob([bytes as Uint8Array<ArrayBuffer>]);
  const { buffer, byteOffset, byteLength } = bytes;
  return byteOffset === 0 && byteLength === buffer.byteLength
    ? buffer
    : buffer.slice(byteOffset, byteOffset + byteLength);
}

export const browserPlatform: Platform = { request, websocket, binary, defaultBinaryType: "arraybuffer" };
