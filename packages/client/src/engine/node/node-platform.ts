/**
 * The Node host: long-polling over `node:http`/`node:https`, WebSocket from the `ws` package,
 * binary received as `Buffer` like the official client.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { WebSocket } from "ws";
import type { HttpCallback, HttpRequest, Platform, WebSocketLike } from "../platform.js";

function request(req: HttpRequest, cb: HttpCallback): () => void {
  let done = false;
  const finish = (err: Error | null, body: string) => {
    if (done) return;
    done = true;
    cb(err, body);
  };
  const send = req.url.startsWith("https:") ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers["content-type"] = "text/plain;charset=UTF-8";
  const r = send(req.url, { method: req.method, headers }, (res) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      finish(res.statusCode === 200 ? null : new Error(`HTTP ${res.statusCode}`), body);
    });
    res.on("error", (err) => finish(err, ""));
  });
  r.on("error", (err) => finish(err, ""));
  r.end(req.body);
  return () => {
    done = true;
    r.destroy();
  };
}

function websocket(url: string, headers: Readonly<Record<string, string>>): WebSocketLike {
  return new WebSocket(url, { headers }) as unknown as WebSocketLike;
}

export const nodePlatform: Platform = { request, websocket, binary: (bytes) => bytes };
