/**
 * One session of a soak client loop, spoken in raw Engine.IO 4 / Socket.IO 5 (PROTOCOL.md §A, §B) so that
 * every request and frame it waits on is known by name: a WebSocket session (`transport=websocket`), a
 * long-polling session (handshake GET, one held GET, one POST in flight), or polling upgraded to WebSocket
 * (`2probe`/`3probe`/`5`). Everything the session waits for is an `Op` with a start time; the generator's
 * watchdog reads the ops of every live session and records any waiting longer than the stuck threshold.
 * Each op also has a hard limit after which the wait fails (the loop then abandons the session), so a loop
 * never waits forever.
 */
import type { Agent } from "node:http";
import {
  decodeHandshake,
  decodePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodePayload,
} from "@plexus/protocol";
import WebSocket from "ws";
import { wallNow } from "../control-messages.js";
import { httpCall, type PendingRequest } from "../raw-http.js";
import { CONNECT_MAIN_DATA, engineQuery, readAckIdFromString, SocketByte } from "../raw-wire.js";
import type { GeneratorTarget } from "./soak-messages.js";

export type ChurnTransport = "websocket" | "polling" | "upgrade";

/** Something the session waits for. */
export interface Op {
  readonly step: string;
  readonly request: string;
  readonly startedAt: number;
  /** Waiting longer than this (plus the stuck threshold) is stuck; held polls may wait a ping interval. */
  readonly graceMs: number;
  /** Set by the watchdog when it recorded this op as stuck. */
  stuck?: { resolvedAfterMs?: number; outcome?: string };
}

/** The error a session ends with; `kind` groups errors in the report. */
export class ChurnError extends Error {
  readonly kind: string;
  constructor(kind: string, detail = kind) {
    super(detail);
    this.kind = kind;
  }
}

/** A wait beyond any stuck threshold: the op failed, the loop moves on. */
const HARD_LIMIT_MS = 60_000;

interface Waiter {
  readonly op: Op;
  readonly resolve: (value: string) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

function bodyKind(what: string, status: number, body: string): string {
  let message = body.slice(0, 60);
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return `${what}: HTTP ${status} ${message}`;
}

export class ChurnSession {
  readonly transport: ChurnTransport;
  sid: string | null = null;
  /** Wall-clock time the session began (ms). */
  readonly startedAt = wallNow();
  /** What the client saw last, for stuck reports. */
  last = "nothing yet";
  readonly ops = new Set<Op>();
  broadcasts = 0;
  acks = 0;
  private readonly target: GeneratorTarget;
  private readonly agent: Agent;
  private readonly waiters = new Map<string, Waiter>();
  /** Answers that arrived before anyone waited for them (the open packet rides with the 101). */
  private readonly early = new Map<string, string>();
  private ws: WebSocket | undefined;
  /** Current carrier of packets: `websocket` once upgraded or when opened over it. */
  private carrier: "websocket" | "polling";
  private pollRequest: PendingRequest | undefined;
  private postRequest: PendingRequest | undefined;
  private outbox: EnginePacket[] = [];
  private polling = false;
  private pausedPolling: (() => void) | undefined;
  private nextAckId = 0;
  /** Between the upgrade request and `3probe`: a failure of the WebSocket then leaves the session on polling. */
  private probing = false;
  /** Set when the upgrade's probe failed before `3probe` and the session stayed on polling. */
  probeFailure: string | undefined;
  private ended = false;
  private failure: ChurnError | undefined;

  constructor(target: GeneratorTarget, agent: Agent, transport: ChurnTransport) {
    this.target = target;
    this.agent = agent;
    this.transport = transport;
    this.carrier = transport === "websocket" ? "websocket" : "polling";
  }

  // ---- ops and waiters -----------------------------------------------------------------------------

  private track<T>(step: string, request: string, graceMs: number, promise: Promise<T>): Promise<T> {
    const op: Op = { step, request, startedAt: wallNow(), graceMs };
    this.ops.add(op);
    const done = (outcome: string) => {
      this.ops.delete(op);
      if (op.stuck !== undefined) {
        op.stuck.resolvedAfterMs = Math.round(wallNow() - op.startedAt);
        op.stuck.outcome = outcome;
      }
    };
    return promise.then(
      (value) => {
        done("answered");
        return value;
      },
      (error: Error) => {
        done(error instanceof ChurnError ? error.kind : error.message);
        throw error;
      },
    );
  }

  /** Waits for `key` to be settled by an incoming packet (or fails after the hard limit). */
  private expect(key: string, step: string, request: string): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const early = this.early.get(key);
    if (early !== undefined) {
      this.early.delete(key);
      return Promise.resolve(early);
    }
    const op: Op = { step, request, startedAt: wallNow(), graceMs: 0 };
    const promise = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new ChurnError(`no answer within ${HARD_LIMIT_MS / 1000} s: ${step}`));
      }, HARD_LIMIT_MS);
      this.waiters.set(key, { op, resolve, reject, timer });
    });
    this.ops.add(op);
    return promise.then(
      (value) => {
        this.finish(op, "answered");
        return value;
      },
      (error: Error) => {
        this.finish(op, error instanceof ChurnError ? error.kind : error.message);
        throw error;
      },
    );
  }

  private finish(op: Op, outcome: string): void {
    this.ops.delete(op);
    if (op.stuck !== undefined) {
      op.stuck.resolvedAfterMs = Math.round(wallNow() - op.startedAt);
      op.stuck.outcome = outcome;
    }
  }

  private settle(key: string, value: string): void {
    const w = this.waiters.get(key);
    if (w === undefined) {
      this.early.set(key, value);
      return;
    }
    this.waiters.delete(key);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  /** The session failed (server closed it, a request failed): every wait fails with the same error. */
  private fail(error: ChurnError): void {
    if (this.failure !== undefined || this.ended) return;
    this.failure = error;
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.waiters.clear();
    this.teardown();
  }

  /** What the session is waiting for right now (for error kinds). */
  private waitingFor(): string {
    const first = this.waiters.values().next().value;
    if (first !== undefined) return first.op.step;
    // A request in flight (the upgrade WebSocket, a POST); the held poll is always there, so it says nothing.
    for (const op of this.ops) if (op.step !== "held poll") return op.step;
    return "idle";
  }

  // ---- incoming packets ----------------------------------------------------------------------------

  private onPacket(packet: EnginePacket): void {
    switch (packet.type) {
      case "open":
        if (typeof packet.data === "string") this.settle("open", packet.data);
        return;
      case "ping":
        this.send({ type: "pong" });
        return;
      case "pong":
        if (packet.data === "probe") this.settle("probe", "probe");
        return;
      case "close":
        this.fail(new ChurnError(`closed by the server (close packet) while ${this.waitingFor()}`));
        return;
      case "message":
        if (typeof packet.data === "string") this.onSocketData(packet.data);
        return;
      default:
        return;
    }
  }

  private onSocketData(data: string): void {
    const type = data.charCodeAt(0);
    if (type === SocketByte.EVENT) {
      this.broadcasts++;
    } else if (type === SocketByte.ACK) {
      this.acks++;
      this.settle(`ack:${readAckIdFromString(data, 1)}`, data);
    } else if (type === SocketByte.CONNECT) {
      this.settle("connect", data);
    } else if (type === SocketByte.CONNECT_ERROR) {
      this.fail(new ChurnError("connect_error", data));
    } else if (data === "1") {
      // DISCONNECT from the server (our `kick`).
      if (this.waiters.has("kicked")) this.settle("kicked", data);
      else this.fail(new ChurnError(`disconnected by the server while ${this.waitingFor()}`));
    }
  }

  // ---- sending -------------------------------------------------------------------------------------

  private send(packet: EnginePacket): void {
    if (this.ended || this.failure !== undefined) return;
    if (this.carrier === "websocket" && this.ws !== undefined) {
      this.ws.send(encodeEnginePacket(packet) as string);
      return;
    }
    this.outbox.push(packet);
    this.flushPost();
  }

  private flushPost(): void {
    if (this.postRequest !== undefined || this.outbox.length === 0 || this.sid === null) return;
    if (this.pausedPolling !== undefined) return;
    const body = encodePayload(this.outbox);
    this.outbox = [];
    const query = engineQuery("polling", this.sid);
    const call = httpCall(this.agent, this.target, "POST", query, body);
    this.postRequest = call;
    this.track("POST", `POST ${query} (${body.slice(0, 30)})`, 0, call.answer).then(
      (answer) => {
        this.postRequest = undefined;
        if (answer.status !== 200) this.fail(new ChurnError(bodyKind("POST", answer.status, answer.body)));
        else {
          this.last = "POST answered";
          this.resumeIfPaused();
          this.flushPost();
        }
      },
      (error: Error) => {
        this.postRequest = undefined;
        this.fail(new ChurnError(`POST failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      },
    );
  }

  private poll(): void {
    if (this.ended || this.failure !== undefined || this.sid === null || this.carrier !== "polling") return;
    if (this.pausedPolling !== undefined) {
      this.resumeIfPaused();
      return;
    }
    const query = engineQuery("polling", this.sid);
    const call = httpCall(this.agent, this.target, "GET", query);
    this.pollRequest = call;
    this.polling = true;
    this.track("held poll", `GET ${query}`, this.target.pingInterval, call.answer).then(
      (answer) => {
        this.pollRequest = undefined;
        this.polling = false;
        if (answer.status !== 200) {
          this.fail(new ChurnError(bodyKind("poll", answer.status, answer.body)));
          return;
        }
        this.last = `poll answered: ${answer.body.slice(0, 40)}`;
        for (const packet of decodePayload(answer.body)) this.onPacket(packet);
        this.poll();
      },
      (error: Error) => {
        this.pollRequest = undefined;
        this.polling = false;
        this.fail(new ChurnError(`poll failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      },
    );
  }

  private resumeIfPaused(): void {
    const paused = this.pausedPolling;
    if (paused !== undefined && !this.polling && this.postRequest === undefined) {
      this.pausedPolling = undefined;
      paused();
    }
  }

  // ---- the steps -----------------------------------------------------------------------------------

  /** Opens the engine session and joins the main namespace. */
  async connect(): Promise<void> {
    if (this.transport === "websocket") {
      await this.openWebSocket(null, "handshake (WebSocket)");
      const open = await this.expect("open", "handshake (open packet)", "WS frame 0{…}");
      this.sid = decodeHandshake(open)?.sid ?? null;
    } else {
      const query = engineQuery("polling");
      const call = httpCall(this.agent, this.target, "GET", query);
      this.pollRequest = call;
      const answer = await this.track("handshake", `GET ${query}`, 0, call.answer).catch((error: Error) => {
        throw new ChurnError(`handshake failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
      });
      this.pollRequest = undefined;
      if (answer.status !== 200) throw new ChurnError(bodyKind("handshake", answer.status, answer.body));
      const first = decodePayload(answer.body)[0];
      const data =
        first?.type === "open" && typeof first.data === "string" ? decodeHandshake(first.data) : null;
      if (data === null) throw new ChurnError("handshake: no open packet");
      this.sid = data.sid;
      this.poll();
    }
    this.last = `open, sid ${this.sid}`;
    this.send({ type: "message", data: CONNECT_MAIN_DATA });
    await this.expect("connect", "connect (40 answer)", `40 over ${this.carrier}`);
    this.last = "connected";
    if (this.transport === "upgrade") await this.upgrade();
  }

  private openWebSocket(sid: string | null, step: string): Promise<void> {
    const query = engineQuery("websocket", sid ?? undefined);
    const url = `ws://${this.target.host}:${this.target.port}${this.target.path}${query}`;
    const ws = new WebSocket(url, {
      localAddress: this.target.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: HARD_LIMIT_MS,
    });
    this.ws = ws;
    ws.on("message", (raw, isBinary) => {
      if (isBinary || ws !== this.ws) return;
      const text = (raw as Buffer).toString();
      this.last = `ws frame ${text.slice(0, 40)}`;
      const packet = decodePayload(text)[0];
      if (packet !== undefined) this.onPacket(packet);
    });
    const opened = new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      // After `fail()` the loop terminated this WebSocket itself (ws then says "closed before the
      // connection was established"): the session's own failure is the cause, not the WebSocket.
      ws.on("error", (error: NodeJS.ErrnoException) =>
        reject(this.failure ?? new ChurnError(`ws ${step} failed: ${error.code ?? error.message}`)),
      );
      ws.once("close", (code) => {
        reject(new ChurnError(`ws closed before open (${code})`));
        if (ws !== this.ws) return;
        if (this.probing) this.rejectWaiter("probe", `probe closed by the server (${code})`);
        else this.fail(new ChurnError(`WebSocket closed by the server (${code}) while ${this.waitingFor()}`));
      });
    });
    return this.track(step, `WS upgrade ${query}`, 0, opened);
  }

  private rejectWaiter(key: string, kind: string): void {
    const w = this.waiters.get(key);
    if (w === undefined) return;
    this.waiters.delete(key);
    clearTimeout(w.timer);
    w.reject(new ChurnError(kind));
  }

  private async upgrade(): Promise<void> {
    this.probing = true;
    try {
      await this.openWebSocket(this.sid, "upgrade (WebSocket)");
      this.ws!.send(encodeEnginePacket({ type: "ping", data: "probe" }) as string);
      await this.expect("probe", "upgrade (3probe answer)", "WS frame 2probe");
    } catch (error) {
      if (this.failure !== undefined || !(error instanceof ChurnError)) throw error;
      // The probe failed before `3probe`: polling was never paused, the session goes on over it
      // (engine.io-client emits `upgradeError` and stays on polling).
      this.probeFailure = error.kind;
      const ws = this.ws;
      this.ws = undefined;
      ws?.terminate();
      this.last = `upgrade probe failed: ${error.kind}`;
      return;
    } finally {
      this.probing = false;
    }
    // Pause polling as the official client does: the held GET must come back (the server answers it
    // with a noop once the probe arrived) and no POST may be in flight before `5` is sent.
    const paused = new Promise<void>((resolve) => {
      this.pausedPolling = resolve;
    });
    this.resumeIfPaused();
    await this.track("upgrade (polling paused)", `held GET / POST of ${this.sid} to end`, 0, paused);
    this.carrier = "websocket";
    this.ws!.send(encodeEnginePacket({ type: "upgrade" }) as string);
    const queued = this.outbox;
    this.outbox = [];
    for (const packet of queued) this.send(packet);
    this.last = "upgraded";
  }

  /** `socket.emit(event, arg, ack)` and waits for the ack. */
  async emitWithAck(event: string, arg: string): Promise<void> {
    const id = this.nextAckId++;
    this.send({ type: "message", data: `${SocketByte.EVENT - 48}${id}${JSON.stringify([event, arg])}` });
    await this.expect(`ack:${id}`, `ack ${event}`, `2${id}["${event}",…] over ${this.carrier}`);
  }

  /** Asks the server to disconnect this socket and waits for the DISCONNECT. */
  async kicked(): Promise<void> {
    const waiting = this.expect("kicked", "server disconnect after kick", "41 from the server");
    this.send({ type: "message", data: `2${JSON.stringify(["kick"])}` });
    await waiting;
    this.end();
  }

  /** Leaves as a polite client: Socket.IO DISCONNECT then the engine close packet. */
  closeCleanly(): void {
    this.send({ type: "message", data: "1" });
    this.send({ type: "close" });
    if (this.ws !== undefined && this.carrier === "websocket") {
      this.ended = true;
      this.ws.close();
      this.stopPolling();
      return;
    }
    // Polling: the POST carrying the close goes out; the held GET is not needed any more.
    this.ended = true;
    this.pollRequest?.abort();
  }

  /** Leaves as a vanished client: sockets destroyed, nothing sent. */
  abandon(): void {
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.teardown();
  }

  private stopPolling(): void {
    this.pollRequest?.abort();
    this.pollRequest = undefined;
  }

  private teardown(): void {
    for (const w of this.waiters.values()) clearTimeout(w.timer);
    this.waiters.clear();
    this.stopPolling();
    this.postRequest?.abort();
    this.ws?.terminate();
  }
}
