/**
 * The browser host: long-polling over `fetch`, the native `WebSocket`, binary received as `ArrayBuffer`
 * like the official client.
 */
import type { HttpCallback, HttpRequest, Platform, WebSocketLike } from "../platform.js";

function request(req: HttpRequest, cb: HttpCallback): () => void {
  const controller = new AbortController();
  let done = false;
  const init: RequestInit = {
    method: req.method,
    headers:
      req.body === undefined ? req.headers : { ...req.headers, "content-type": "text/plain;charset=UTF-8" },
    credentials: req.withCredentials ? "include" : "same-origin",
    cache: "no-store",
    signal: controller.signal,
  };
  if (req.body !== undefined) init.body = req.body;
  fetch(req.url, init)
    .then(async (res) => {
      const body = await res.text();
      if (!done) cb(res.status === 200 ? null : new Error(`HTTP ${res.status}`), body);
    })
    .catch((err: unknown) => {
      if (!done) cb(err instanceof Error ? err : new Error(String(err)), "");
    });
  return () => {
    done = true;
    controller.abort();
  };
}

function websocket(url: string): WebSocketLike {
  const ws = new WebSocket(url) as unknown as WebSocketLike;
  ws.binaryType = "arraybuffer";
  return ws;
}

function binary(bytes: Uint8Array): unknown {
  const { buffer, byteOffset, byteLength } = bytes;
  return byteOffset === 0 && byteLength === buffer.byteLength
    ? buffer
    : buffer.slice(byteOffset, byteOffset + byteLength);
}

export const browserPlatform: Platform = { request, websocket, binary };
