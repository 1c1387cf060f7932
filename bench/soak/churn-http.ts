/**
 * HTTP requests of the soak's long-polling clients: `node:http` on a shared keep-alive agent, every request
 * abortable (a loop that abandons its session destroys its requests, as a closed browser tab does).
 * A request that fails with ECONNRESET/EPIPE on a reused keep-alive socket (the server closed the idle socket
 * as the agent picked it) never reached the server and is retried once, as Node's documentation advises.
 */
import { type Agent, type ClientRequest, request } from "node:http";
import type { GeneratorTarget } from "./soak-messages.js";

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface PendingRequest {
  readonly answer: Promise<HttpAnswer>;
  abort(): void;
}

export function httpCall(
  agent: Agent,
  target: GeneratorTarget,
  method: "GET" | "POST",
  query: string,
  body?: string,
): PendingRequest {
  let current: ClientRequest | undefined;
  let aborted = false;
  const once = (): Promise<HttpAnswer> =>
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
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (req.reusedSocket && !aborted && (error.code === "ECONNRESET" || error.code === "EPIPE")) {
          once().then(resolve, reject);
          return;
        }
        reject(error);
      });
      req.end(body);
    });
  const answer = once();
  return {
    answer,
    abort() {
      aborted = true;
      current?.destroy(new Error("aborted by the client"));
    },
  };
}
