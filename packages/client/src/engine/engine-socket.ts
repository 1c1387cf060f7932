/**
 * The Engine.IO v4 client session: handshake, heartbeat, write buffer with payload-size batching, upgrade from
 * polling to WebSocket, and close. It knows nothing of namespaces (DESIGN.md layers).
 */

import {
  decodeHandshake,
  EngineCloseReasons,
  type EngineData,
  type EnginePacket,
  type HandshakeData,
} from "@plexus/protocol";
import createDebug from "debug";
import { Emitter } from "../emitter.js";
import { ClientError, ClientErrorCodes } from "../errors.js";
import { type BinaryType, platform } from "./platform.js";
import { PollingTransport } from "./polling-transport.js";
import { type TimerHandle, type Timers, timersFor } from "./timers.js";
import type {
  CloseDetails,
  OutgoingPacket,
  Transport,
  TransportName,
  TransportOptions,
} from "./transport.js";
import { WebSocketTransport } from "./websocket-transport.js";

/** Handshake, upgrade and close of the engine session (`DEBUG=plexus:client:engine`). */
const debug = createDebug("plexus:client:engine");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

export interface EngineOptions {
  /** Engine path, default `/socket.io` (the Manager's) — `/engine.io` for a bare engine. */
  path?: string;
  /** Extra query parameters sent with every request. */
  query?: Record<string, string>;
  /** Transports to use, in order (default `["polling", "websocket"]`). */
  transports?: TransportName[];
  /** Upgrade from polling to WebSocket when the server offers it (default true). */
  upgrade?: boolean;
  /** Start with WebSocket if the previous connection upgraded successfully (default false). */
  rememberUpgrade?: boolean;
  /** When the first transport fails to open, try the next one in `transports` (default false). */
  tryAllTransports?: boolean;
  /** Headers of every HTTP request and of the WebSocket handshake (browsers: polling requests only). */
  extraHeaders?: Record<string, string>;
  /**
   * Send cookies on cross-origin requests (browsers); in Node, keep the cookies the server sets (a sticky
   * session's) and send them back on every request and on the WebSocket handshake.
   */
  withCredentials?: boolean;
  /** Close the connection silently when the page unloads (browsers, default false). */
  closeOnBeforeunload?: boolean;
  /**
   * Add a cache-busting parameter to every request: polling sends it unless `false`, WebSocket only when
   * `true` (engine.io-client's defaults).
   */
  timestampRequests?: boolean;
  /** Name of the cache-busting parameter (default `t`). */
  timestampParam?: string;
  /** Add a trailing slash to `path` (default true, §A1). */
  addTrailingSlash?: boolean;
  /**
   * Send binary as base64 text (`b<base64>`) and ask the server to do the same (`b64=1`), for hosts whose
   * WebSocket cannot carry binary frames.
   */
  forceBase64?: boolean;
  /** Node: timers and sockets do not keep the process alive (it may exit while connected). */
  autoUnref?: boolean;
  /** Options that override the others for one transport, e.g. `{ polling: { extraHeaders } }`. */
  transportOptions?: {
    [T in TransportName]?: Omit<EngineOptions, "transportOptions" | "path" | "transports">;
  };
  /**
   * Run heartbeat, reconnection, connection and ack timers on the `setTimeout` the client found when it
   * loaded, not on the current global (which a fake-timer library may have replaced). Default false.
   */
  useNativeTimers?: boolean;
  /** Polling: a request taking longer than this many ms fails (`xhr poll error` / `xhr post error`). */
  requestTimeout?: number;
  /** WebSocket sub-protocols (the second argument of `new WebSocket`). */
  protocols?: string | string[];
  /** Node: the `http.Agent` of polling requests and of the WebSocket handshake (`false`: none). */
  agent?: object | false;
  /** Node TLS: trusted CA certificates (PEM). */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Node TLS: client certificate chain (PEM). */
  cert?: string | Uint8Array | (string | Uint8Array)[];
  /** Node TLS: client private key (PEM). */
  key?: string | Uint8Array | (string | Uint8Array)[];
  /** Node TLS: client key and certificate as PFX / PKCS12. */
  pfx?: string | Uint8Array | (string | Uint8Array)[];
  /** Node TLS: passphrase of `key` or `pfx`. */
  passphrase?: string;
  /** Node TLS: cipher suites. */
  ciphers?: string;
  /** Node TLS: refuse servers whose certificate does not verify against `ca` (default true). */
  rejectUnauthorized?: boolean;
}

/**
 * The second argument of the `close` event (and of the Socket's `disconnect`): `{description, context}` when
 * the transport closed, the `ClientError` on a transport error, the thrown error on a parse error.
 */
export type CloseDescription = CloseDetails | Error;

export type EngineCloseReason = (typeof EngineCloseReasons)[keyof typeof EngineCloseReasons];

interface EngineEvents {
  open: () => void;
  data: (data: EngineData) => void;
  ping: () => void;
  error: (err: ClientError) => void;
  close: (reason: EngineCloseReason, description?: CloseDescription) => void;
  /** The server's open packet, decoded (`sid`, `upgrades`, `pingInterval`, `pingTimeout`, `maxPayload`). */
  handshake: (data: HandshakeData) => void;
  /** A probe succeeded: the session is about to move to this transport. */
  upgrading: (transport: Transport) => void;
  /** Every packet received, before it is handled. */
  packet: (packet: EnginePacket) => void;
  /** Every packet queued for sending. */
  packetCreate: (packet: OutgoingPacket) => void;
  /** The session moved to a new transport (as socket.io-client, the transport object is passed). */
  upgrade: (transport: Transport) => void;
  /** A probe of a better transport failed; the session stays on polling. */
  upgradeError: (err: Error) => void;
  drain: () => void;
}

/** Whether the last session reached WebSocket (for `rememberUpgrade`), shared like the official client's. */
let priorWebsocketSuccess = false;

const hasWindow = typeof addEventListener === "function" && typeof removeEventListener === "function";

export class EngineSocket extends Emitter<{}, EngineEvents> {
  readyState: "opening" | "open" | "closing" | "closed" = "opening";
  /** Session id from the handshake. */
  id: string | undefined;
  /**
   * What received binary becomes: "nodebuffer" (`Buffer`, Node's default), "arraybuffer" (browsers' default)
   * or "blob" (browsers). May be changed at any time, as engine.io-client's.
   */
  binaryType: BinaryType = platform().defaultBinaryType;
  transport!: Transport;
  private transports: TransportName[];
  private readonly transportOpts: TransportOptions;
  private writeBuffer: OutgoingPacket[] = [];
  /** How many packets of `writeBuffer` the transport is writing now. */
  private inFlight = 0;
  private upgrading = false;
  private flushScheduled = false;
  private probe: Transport | undefined;
  private upgrades: string[] = [];
  private pingInterval = 0;
  private pingTimeout = 0;
  private maxPayload = 0;
  private pingTimer: TimerHandle | undefined;
  private readonly timers: Timers;
  /** When the ping timer should have fired (a sleeping device fires timers late). */
  private pingDeadline = 0;
  private unloadHandler: (() => void) | undefined;
  private offlineHandler: (() => void) | undefined;

  constructor(
    origin: string,
    private readonly opts: EngineOptions,
  ) {
    super();
    this.timers = timersFor(opts.useNativeTimers);
    let path = opts.path ?? "/engine.io";
    if (opts.addTrailingSlash !== false) path = `${path.replace(/\/$/, "")}/`;
    this.transportOpts = { ...opts, origin, path, cookieJar: {} };
    this.transports = (opts.transports ?? ["polling", "websocket"]).slice();
    if (hasWindow) {
      if (opts.closeOnBeforeunload) {
        this.unloadHandler = () => {
          this.transport.detach();
          this.transport.close();
        };
        addEventListener("beforeunload", this.unloadHandler, false);
      }
      if (!/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|$)/.test(origin)) {
        this.offlineHandler = () =>
          this.onClose(EngineCloseReasons.TRANSPORT_CLOSE, { description: "network connection lost" });
        addEventListener("offline", this.offlineHandler, false);
      }
    }
    this.open();
  }

  private open(): void {
    if (DEBUG) debug("opening a session (transports %j)", this.transports);
    const first =
      this.opts.rememberUpgrade && priorWebsocketSuccess && this.transports.includes("websocket")
        ? "websocket"
        : this.transports[0];
    if (first === undefined) {
      queueMicrotask(() =>
        this.emitReserved("error", new ClientError(ClientErrorCodes.TRANSPORT, "No transports available")),
      );
      return;
    }
    this.readyState = "opening";
    const transport = this.createTransport(first);
    this.setTransport(transport);
    transport.open();
  }

  private createTransport(name: TransportName): Transport {
    const opts = { ...this.transportOpts, ...this.opts.transportOptions?.[name] };
    const transport = name === "websocket" ? new WebSocketTransport(opts) : new PollingTransport(opts);
    if (this.id !== undefined) transport.query.sid = this.id;
    return transport;
  }

  private setTransport(transport: Transport): void {
    this.transport?.detach();
    this.transport = transport;
    transport.handler = {
      onOpen: () => {},
      onPacket: (packet) => this.onPacket(packet),
      onDrain: () => this.onDrain(),
      onError: (err) => this.onError(err),
      onClose: (details) => this.onClose(EngineCloseReasons.TRANSPORT_CLOSE, details),
    };
  }

  private onPacket(packet: EnginePacket): void {
    if (this.readyState === "closed") return;
    this.emitReserved("packet", packet);
    switch (packet.type) {
      case "open": {
        if (DEBUG) debug("handshake: %s", packet.data);
        const handshake = typeof packet.data === "string" ? decodeHandshake(packet.data) : null;
        if (handshake === null) {
          this.onError(new ClientError(ClientErrorCodes.BAD_HANDSHAKE, "invalid handshake", packet.data));
          return;
        }
        this.emitReserved("handshake", handshake);
        this.id = handshake.sid;
        this.transport.query.sid = handshake.sid;
        this.upgrades = handshake.upgrades.filter((u) => this.transports.includes(u as TransportName));
        this.pingInterval = handshake.pingInterval;
        this.pingTimeout = handshake.pingTimeout;
        this.maxPayload = handshake.maxPayload;
        this.onOpen();
        if (this.readyState === "open") this.resetPingTimer();
        break;
      }
      case "ping":
        // §A6: the server pings, the client answers; silence for pingInterval + pingTimeout means dead.
        this.resetPingTimer();
        this.sendPacket({ type: "pong" });
        this.emitReserved("ping");
        break;
      case "message":
        if (packet.data !== undefined) this.emitReserved("data", packet.data);
        break;
    }
  }

  private onOpen(): void {
    this.readyState = "open";
    priorWebsocketSuccess = this.transport.name === "websocket";
    this.emitReserved("open");
    this.flush();
    if (this.readyState === "open" && this.opts.upgrade !== false && this.transport.name === "polling") {
      if (this.upgrades.includes("websocket")) this.startProbe("websocket");
    }
  }

  /** §A7: probe the new transport with `2probe`, wait for `3probe`, pause polling, then send `5` and switch. */
  private startProbe(name: TransportName): void {
    if (DEBUG) debug("session %s: probing %s", this.id, name);
    const probe = this.createTransport(name);
    this.probe = probe;
    priorWebsocketSuccess = false;
    const fail = (err?: unknown) => {
      if (this.probe !== probe) return;
      this.probe = undefined;
      this.upgrading = false;
      probe.detach();
      probe.close();
      // Polling may have been paused for this probe (after `3probe`): it carries the session again.
      this.transport.resume();
      this.emitReserved("upgradeError", new ClientError(ClientErrorCodes.TRANSPORT, "probe error", err));
      this.flush();
    };
    probe.handler = {
      onOpen: () => probe.send([{ type: "ping", data: "probe" }]),
      onPacket: (packet) => {
        if (packet.type !== "pong" || packet.data !== "probe") return fail(packet);
        this.upgrading = true;
        this.emitReserved("upgrading", probe);
        this.transport.pause(() => {
          if (this.probe !== probe || this.readyState === "closed") return;
          this.probe = undefined;
          priorWebsocketSuccess = true;
          const old = this.transport;
          this.setTransport(probe);
          old.state = "closed";
          // The upgrade packet goes first: nothing buffered may overtake it on the new transport.
          this.writeBuffer.unshift({ type: "upgrade" });
          this.inFlight = 0;
          this.upgrading = false;
          if (DEBUG) debug("session %s: upgraded to %s", this.id, probe.name);
          this.emitReserved("upgrade", probe);
          this.flush();
        });
      },
      onDrain: () => {},
      onError: fail,
      onClose: (description) => fail(description),
    };
    probe.open();
  }

  private onDrain(): void {
    this.writeBuffer.splice(0, this.inFlight);
    this.inFlight = 0;
    if (this.writeBuffer.length === 0) this.emitReserved("drain");
    else this.flush();
  }

  private flush(): void {
    if (this.readyState === "closed" || this.upgrading || !this.transport.writable || this.inFlight > 0)
      return;
    if (this.writeBuffer.length === 0) return;
    const packets = this.writablePackets();
    this.inFlight = packets.length;
    this.transport.send(packets);
  }

  /** Polling sends at most `maxPayload` bytes per POST (the server refuses bigger bodies with 413). */
  private writablePackets(): OutgoingPacket[] {
    const buffer = this.writeBuffer;
    if (this.transport.name !== "polling" || this.maxPayload <= 0 || buffer.length < 2) return buffer.slice();
    let size = 1;
    for (let i = 0; i < buffer.length; i++) {
      const data = buffer[i]!.data;
      if (data !== undefined)
        size += typeof data === "string" ? utf8Length(data) : Math.ceil(data.byteLength * 1.34) + 1;
      if (i > 0 && size > this.maxPayload) return buffer.slice(0, i);
      size += 2;
    }
    return buffer.slice();
  }

  /** Queues a `message` packet; written when the transport is writable. */
  write(data: EngineData, compress = true): void {
    this.sendPacket({ type: "message", data, compress });
  }

  /** True when a `write` now goes out without waiting (used by volatile emits). */
  get writable(): boolean {
    return this.readyState === "open" && !this.upgrading && this.transport.writable;
  }

  private sendPacket(packet: OutgoingPacket): void {
    if (this.readyState === "closing" || this.readyState === "closed") return;
    this.emitReserved("packetCreate", packet);
    this.writeBuffer.push(packet);
    // Flush once per tick: the packets written in one tick (a header and its attachments, a burst of emits)
    // share one POST or one turn of WebSocket frames.
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private resetPingTimer(): void {
    this.timers.clear(this.pingTimer);
    const delay = this.pingInterval + this.pingTimeout;
    this.pingDeadline = Date.now() + delay;
    this.pingTimer = unrefIf(
      this.timers.set(() => this.onClose(EngineCloseReasons.PING_TIMEOUT), delay),
      this.opts.autoUnref,
    );
  }

  /**
   * True when the heartbeat deadline has passed even if the timer has not fired yet (a throttled tab, a laptop
   * waking up): the connection is then closed with "ping timeout" and the caller buffers instead of writing.
   */
  hasPingExpired(): boolean {
    if (this.readyState !== "open" || Date.now() <= this.pingDeadline) return false;
    this.timers.set(() => this.onClose(EngineCloseReasons.PING_TIMEOUT), 0);
    return true;
  }

  /** Closes the session: buffered packets are written first, then the transport is closed. */
  close(): void {
    if (this.readyState !== "opening" && this.readyState !== "open") return;
    this.readyState = "closing";
    const finish = () => {
      const transport = this.transport;
      this.onClose(EngineCloseReasons.FORCED_CLOSE);
      transport.close();
    };
    if (this.writeBuffer.length > 0 && this.transport.state === "open") this.once("drain", finish);
    else finish();
  }

  private onError(err: ClientError): void {
    priorWebsocketSuccess = false;
    if (this.opts.tryAllTransports && this.transports.length > 1 && this.readyState === "opening") {
      this.transport.detach();
      this.transport.close();
      this.transports.shift();
      this.open();
      return;
    }
    this.emitReserved("error", err);
    this.onClose(EngineCloseReasons.TRANSPORT_ERROR, err);
  }

  private onClose(reason: EngineCloseReason, description?: CloseDescription): void {
    if (DEBUG && this.readyState !== "closed") debug("session %s closed: %s", this.id, reason);
    if (this.readyState === "closed") return;
    this.timers.clear(this.pingTimer);
    const transport = this.transport;
    transport.detach();
    if (reason !== EngineCloseReasons.FORCED_CLOSE) transport.close();
    if (this.probe !== undefined) {
      this.probe.detach();
      this.probe.close();
      this.probe = undefined;
    }
    if (this.unloadHandler) removeEventListener("beforeunload", this.unloadHandler, false);
    if (this.offlineHandler) removeEventListener("offline", this.offlineHandler, false);
    this.readyState = "closed";
    this.id = undefined;
    this.writeBuffer = [];
    this.inFlight = 0;
    this.emitReserved("close", reason, description);
  }
}

/** `autoUnref`: a Node timer stops keeping the process alive (browser timers are numbers and stay as they are). */
export function unrefIf<T>(timer: T, autoUnref: boolean | undefined): T {
  if (autoUnref) (timer as { unref?: () => void }).unref?.();
  return timer;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c >= 0xe000) n += 3;
    else {
      i++;
      n += 4;
    }
  }
  return n;
}
