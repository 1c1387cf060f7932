/**
 * The owner's side of the channel router: requests and upgrades that arrived as channel messages are
 * served by the engine through an HTTP server that never listens, over in-memory connections
 * (duplex-pair.ts). Node's own HTTP parser reads them, so the engine's middlewares, CORS, cookies,
 * compression and hooks apply exactly as to requests that arrived over TCP. Polls stay on `node:http`
 * here (`maxRequestsPerSocket` keeps them from being taken over: an in-memory end is not a socket).
 * Layer: engine.
 */
import { type ClientRequest, createServer, type Server as HttpServer, request } from "node:http";
import { duplexPair, type PairEnd } from "./duplex-pair.js";
import type { RoutingEngine } from "./session-router.js";

export class LoopbackServer {
  private readonly server: HttpServer;

  constructor(engine: RoutingEngine) {
    this.server = createServer((req, res) => engine.handleRequest(req, res));
    // One request per in-memory connection; it also keeps the engine from taking polls over.
    this.server.maxRequestsPerSocket = 1;
    this.server.on("upgrade", (req, socket, head) => engine.handleUpgrade(req, socket, head));
  }

  /** Sends a request to the engine; its answer arrives as the returned request's `response`. */
  request(method: string, url: string, headers: string[], body: Uint8Array): ClientRequest {
    const [client, server] = duplexPair();
    this.server.emit("connection", server);
    const req = request({ method, path: url, headers, createConnection: () => client });
    req.end(body.length > 0 ? body : undefined);
    return req;
  }

  /** Opens a connection to the engine and writes `bytes` (an upgrade's head) into it. */
  connect(bytes: Uint8Array): PairEnd {
    const [client, server] = duplexPair();
    this.server.emit("connection", server);
    client.write(bytes);
    return client;
  }
}
