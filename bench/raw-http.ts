/**
 * HTTP requests of the raw long-polling clients (the bench's `RawPollingClient`, the soak's churn sessions):
 * `node:http` on a shared keep-alive agent, every request abortable (a client that abandons its session
 * destroys its requests, as a closed browser tab does), an optional timeout.
 * A request that fails with ECONNRESET/EPIPE on a reused keep-alive socket (the server closed the idle socket
 * as the agent picked it) never reached the server: it is retried, twice at most, as Node's documentation
 * advises.
 */
import { type Agent, type ClientRequest, request } from "node:http";

export interface HttpTarget {
  readonly host: string;
  readonly port: number;
  /** Engine path; the query is appended to it. */
  readonly path: string;
  /** Source address of the client's sockets (generators spread over 127.x.y.z). */
  readonly localAddress?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface PendingRequest {
  readonly answer: Promise<HttpAnswer>;
  abort(): void;
}

const RETRIES = 2;

/** Starts `method` on `target.path + query`; `timeoutMs` (if given) fails a request that long without answer. */
export function httpCall(
  agent: Agent,
  target: HttpTarget,
  method: "GET" | "POST",
  query: string,
  body?: string,
  timeoutMs?: number,
): PendingRequest {
  let current: ClientRequest | undefined;
  let aborted = false;
  const attempt = (retriesLeft: number): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> =
        body === undefined
          ? {}
          : { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) };
      const req = request(
        {
          agent,
          host: target.host,
          port: target.port,
          localAddress: target.localAddress,
          path: target.path + query,
          method,
          headers,
        },
        (res) => {
          res.setEncoding("utf8");
          let text = "";
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on("error", reject);
          res.on("aborted", () => reject(new Error("response aborted")));
        },
      );
      current = req;
      if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error("request timeout")));
      req.on("error", (error: NodeJS.ErrnoException) => {
        const stale = error.code === "ECONNRESET" || error.code === "EPIPE";
        if (req.reusedSocket && stale && !aborted && retriesLeft > 0) {
          attempt(retriesLeft - 1).then(resolve, reject);
          return;
        }
        reject(error);
      });
      req.end(body);
    });
  const answer = attempt(RETRIES);
  return {
    answer,
    abort() {
      aborted = true;
      current?.destroy(new Error("aborted by the client"));
    },
  };
}
