/**
 * A scripted long-polling peer for wire-level client tests: every request waits in a queue until the test
 * answers it, so tests assert the exact bytes the client sends and choose the exact bytes it receives.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  respond(body: string, status?: number, headers?: Record<string, string | string[]>): void;
}

export class RawPollingServer {
  private readonly queues: Record<string, RawRequest[]> = { GET: [], POST: [] };
  private readonly waiters: Record<string, ((r: RawRequest) => void)[]> = { GET: [], POST: [] };
  private readonly pending = new Set<ServerResponse>();
  private constructor(private readonly http: Server) {}

  static async start(): Promise<RawPollingServer> {
    const http = createServer();
    const server = new RawPollingServer(http);
    http.on("request", (req, res) => server.onRequest(req, res));
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = req.method ?? "GET";
      this.pending.add(res);
      const request: RawRequest = {
        method,
        path: new URL(req.url ?? "/", "http://x").pathname,
        query: new URL(req.url ?? "/", "http://x").searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        respond: (body, status = 200, headers = {}) => {
          this.pending.delete(res);
          res.writeHead(status, { "content-type": "text/plain; charset=UTF-8", ...headers }).end(body);
        },
      };
      const waiter = this.waiters[method]?.shift();
      if (waiter) waiter(request);
      else this.queues[method]?.push(request);
    });
  }

  /** The next request of that method, in arrival order. */
  next(method: "GET" | "POST"): Promise<RawRequest> {
    const queued = this.queues[method]!.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters[method]!.push(resolve));
  }

  /** Answers the next POST with `ok` and returns its body. */
  async post(): Promise<string> {
    const req = await this.next("POST");
    req.respond("ok");
    return req.body;
  }

  async close(): Promise<void> {
    for (const res of this.pending) res.end("6");
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }
}

/** The open packet of a polling handshake with the given limits (PROTOCOL.md §A2). */
export function openPacket(sid: string, maxPayload = 1e6, pingInterval = 25000, pingTimeout = 20000): string {
  return `0${JSON.stringify({ sid, upgrades: [], pingInterval, pingTimeout, maxPayload })}`;
}
