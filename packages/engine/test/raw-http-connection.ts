/**
 * A raw HTTP/1.1 client connection for the engine tests: requests written as bytes on one keep-alive
 * socket (no agent, no `http` module), answers read back in order with their exact bytes.
 */
import { connect, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { type Deferred, deferred } from "../../../test-support/deferred.js";

export interface RawAnswer {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  bodyBytes: Buffer;
  /** The answer exactly as received (head and body). */
  raw: Buffer;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Encodes one request: `Host` first, then the given headers, `Content-Length` for a body. */
export function encodeRequest(path: string, options: RawRequest = {}): string {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  let text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  for (const [name, value] of Object.entries(options.headers ?? {})) text += `${name}: ${value}\r\n`;
  if (options.body !== undefined) {
    text += `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(options.body)}\r\n`;
  }
  return `${text}\r\n${options.body ?? ""}`;
}

export class RawHttpConnection {
  readonly socket: Socket;
  /** Resolves when the server ended or closed the connection. */
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private readonly answers: RawAnswer[] = [];
  private waiter: Deferred<RawAnswer> | null = null;
  private ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    const closed = deferred<void>();
    this.closed = closed.promise;
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.ended = true;
      closed.resolve();
      this.waiter?.reject(new Error("connection closed before an answer"));
      this.waiter = null;
    });
  }

  /** Opens a connection; with `tls`, over TLS (any certificate accepted: test servers are self-signed). */
  static open(port: number, tls = false): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const done = () => resolve(new RawHttpConnection(socket));
      const socket = tls
        ? connectTls({ port, host: "127.0.0.1", rejectUnauthorized: false }, done)
        : connect({ port, host: "127.0.0.1" }, done);
      socket.once("error", reject);
    });
  }

  /** Writes raw bytes. */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes one request (see {@link encodeRequest}). */
  request(path: string, options: RawRequest = {}): void {
    this.socket.write(encodeRequest(path, options));
  }

  /** The next answer on this connection. */
  next(): Promise<RawAnswer> {
    const ready = this.answers.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.ended) return Promise.reject(new Error("connection closed"));
    this.waiter = deferred<RawAnswer>();
    return this.waiter.promise;
  }

  /** Sends a request and waits for its answer. */
  async exchange(path: string, options: RawRequest = {}): Promise<RawAnswer> {
    this.request(path, options);
    return this.next();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      const headText = this.buffer.toString("latin1", 0, end);
      const lines = headText.split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      let offset = end + 4;
      let body: Buffer;
      if (headers["transfer-encoding"] === "chunked") {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = this.buffer.indexOf("\r\n", offset);
          if (lineEnd === -1) return;
          const size = Number.parseInt(this.buffer.toString("latin1", offset, lineEnd), 16);
          if (this.buffer.length < lineEnd + 2 + size + 2) return;
          parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
          offset = lineEnd + 2 + size + 2;
          if (size === 0) break;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers["content-length"] ?? 0);
        if (this.buffer.length < offset + length) return;
        body = this.buffer.subarray(offset, offset + length);
        offset += length;
      }
      const answer: RawAnswer = {
        status,
        headers,
        body: body.toString("utf8"),
        bodyBytes: Buffer.from(body),
        raw: Buffer.from(this.buffer.subarray(0, offset)),
      };
      this.buffer = this.buffer.subarray(offset);
      const waiter = this.waiter;
      this.waiter = null;
      if (waiter !== null) waiter.resolve(answer);
      else this.answers.push(answer);
    }
  }
}
