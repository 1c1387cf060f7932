/**
 * A minimal Engine.IO v4 long-polling client on raw `node:http` (PROTOCOL.md §A2, §A4): handshake GET,
 * one pending GET at all times, one POST in flight at most (later packets wait and go together in the
 * next POST, as the overlap rule requires), pongs, Socket.IO CONNECT and acks.
 */
import type { Agent } from "node:http";
import { decodeHandshake, decodePayload, type EnginePacket, encodePayload } from "@plexus/protocol";
import { BenchClient, type ClientEvents, type ClientTarget } from "./bench-client.js";
import { type HttpAnswer, httpCall } from "./raw-http.js";
import { CONNECT_MAIN_DATA, engineQuery, readAckIdFromString, SocketByte } from "./raw-wire.js";

/** A held GET lasts at most one ping interval; anything far beyond that is a dead server. */
const REQUEST_TIMEOUT_MS = 120_000;

function httpRequest(
  agent: Agent,
  target: ClientTarget,
  method: "GET" | "POST",
  query: string,
  body?: string,
): Promise<HttpAnswer> {
  return httpCall(agent, target, method, query, body, REQUEST_TIMEOUT_MS).answer;
}

export class RawPollingClient extends BenchClient {
  private readonly agent: Agent;
  private query = "";
  private outbox: EnginePacket[] = [];
  private posting = false;
  private closed = false;
  private connected = false;
  private onConnected: (() => void) | undefined;
  private onFailed: ((error: Error) => void) | undefined;

  constructor(target: ClientTarget, events: ClientEvents, agent: Agent) {
    super(target, events);
    this.agent = agent;
  }

  async open(timeoutMs: number): Promise<void> {
    const handshake = await httpRequest(this.agent, this.target, "GET", engineQuery("polling"));
    if (handshake.status !== 200) throw new Error(`handshake: HTTP ${handshake.status} ${handshake.body}`);
    const first = decodePayload(handshake.body)[0];
    const data =
      first?.type === "open" && typeof first.data === "string" ? decodeHandshake(first.data) : null;
    if (data === null) throw new Error(`handshake: no open packet in ${JSON.stringify(handshake.body)}`);
    this.query = engineQuery("polling", data.sid);
    if (this.target.level === "engine") {
      this.connected = true;
      this.poll();
      return;
    }
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no CONNECT reply within ${timeoutMs} ms`)), timeoutMs);
      this.onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.onFailed = (error) => {
        clearTimeout(timer);
        reject(error);
      };
    });
    this.sendMessage(CONNECT_MAIN_DATA);
    this.poll();
    try {
      await joined;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private poll(): void {
    if (this.closed) return;
    httpRequest(this.agent, this.target, "GET", this.query).then(
      (answer) => {
        if (answer.status !== 200) {
          this.end(new Error(`poll: HTTP ${answer.status} ${answer.body}`));
          return;
        }
        this.onPayload(answer.body);
        this.poll();
      },
      (error: Error) => this.end(error),
    );
  }

  private onPayload(body: string): void {
    for (const packet of decodePayload(body)) {
      switch (packet.type) {
        case "ping":
          this.enqueue({ type: "pong" });
          break;
        case "close":
          this.end(new Error("closed by server"));
          return;
        case "message":
          if (typeof packet.data === "string") this.onSocketData(packet.data);
          break;
        default:
          break;
      }
    }
  }

  private onSocketData(data: string): void {
    const type = data.charCodeAt(0);
    if (type === SocketByte.EVENT) {
      this.received++;
      this.events.broadcast(this);
    } else if (type === SocketByte.ACK) {
      this.events.ack(this, readAckIdFromString(data, 1));
    } else if (type === SocketByte.CONNECT) {
      this.connected = true;
      this.onConnected?.();
      this.onConnected = undefined;
    } else if (type === SocketByte.CONNECT_ERROR) {
      this.onFailed?.(new Error(`connect error: ${data}`));
    }
  }

  sendMessage(data: string): void {
    this.enqueue({ type: "message", data });
  }

  private enqueue(packet: EnginePacket): void {
    if (this.closed) return;
    this.outbox.push(packet);
    this.flush();
  }

  private flush(): void {
    if (this.posting || this.outbox.length === 0 || this.closed) return;
    const body = encodePayload(this.outbox);
    this.outbox = [];
    this.posting = true;
    httpRequest(this.agent, this.target, "POST", this.query, body).then(
      (answer) => {
        this.posting = false;
        if (answer.status !== 200) this.end(new Error(`post: HTTP ${answer.status} ${answer.body}`));
        else this.flush();
      },
      (error: Error) => this.end(error),
    );
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.connected) this.events.closed(this);
    else this.onFailed?.(error);
  }

  close(): void {
    this.closed = true;
  }
}
