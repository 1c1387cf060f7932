/**
 * The contract between the engine socket and one transport (long-polling or WebSocket). A transport moves
 * Engine.IO packets and reports through its `handler`; the engine swaps handlers when it probes or drops a
 * transport, so a detached transport can never reach the engine again.
 */
import type { EnginePacket } from "@plexus/protocol";
import { ENGINE_PROTOCOL } from "@plexus/protocol";
import type { ClientError } from "../errors.js";
import type { EngineOptions } from "./engine-socket.js";

export type TransportName = "polling" | "websocket";

/** An outgoing packet: as the protocol's, with `Blob`s already read into bytes by the socket layer. */
export type OutgoingPacket = EnginePacket & { readonly compress?: boolean };

export interface TransportHandler {
  onOpen(): void;
  onPacket(packet: EnginePacket): void;
  /** The last `send` was written; the transport is writable again. */
  onDrain(): void;
  onError(err: ClientError): void;
  /** The transport closed without being asked to (server close, network). */
  onClose(details: CloseDetails): void;
}

/** Why a transport closed: the `disconnect` event's second argument for "transport close" (socket.io-client's). */
export interface CloseDetails {
  readonly description: string;
  /** The WebSocket `CloseEvent` (`code`, `reason`, `wasClean`) when the WebSocket closed. */
  readonly context?: unknown;
}

/** The engine's options with `transportOptions[name]` applied, plus the origin and the normalised path. */
export interface TransportOptions extends EngineOptions {
  /** `http(s)://host:port` */
  readonly origin: string;
  /** Engine path with the trailing slash policy applied, e.g. `/socket.io/`. */
  readonly path: string;
  /** Cookies of this engine connection, kept by the Node host when `withCredentials` is set. */
  readonly cookieJar: Record<string, unknown>;
}

const NOOP_HANDLER: TransportHandler = {
  onOpen() {},
  onPacket() {},
  onDrain() {},
  onError() {},
  onClose() {},
};

let stamp = 0;

export abstract class Transport {
  abstract readonly name: TransportName;
  /** True when `send` may be called. */
  writable = false;
  /** `closed` once the engine or the peer closed it. */
  state: "opening" | "open" | "closed" = "opening";
  handler: TransportHandler = NOOP_HANDLER;
  /** Query of every request; the engine adds `sid` after the handshake. */
  readonly query: Record<string, string>;

  constructor(protected readonly opts: TransportOptions) {
    this.query = { ...opts.query };
  }

  /** Forgets the handler: nothing this transport does later reaches its former owner. */
  detach(): void {
    this.handler = NOOP_HANDLER;
  }

  abstract open(): void;
  abstract send(packets: readonly OutgoingPacket[]): void;
  abstract close(): void;

  /** Stops moving packets (polling waits for its requests in flight) and calls back once idle (§A7). */
  pause(onPaused: () => void): void {
    onPaused();
  }

  /** Undoes `pause()` when the upgrade it was for failed: the transport carries the session again. */
  resume(): void {}

  /**
   * The request URL (§A1): `EIO=4`, the transport name, the user's query, `sid`, a cache buster (polling unless
   * `timestampRequests: false`, WebSocket only with `timestampRequests: true`, as engine.io-client), and `b64=1`
   * with `forceBase64` (on the handshake for polling, on every WebSocket).
   */
  protected uri(websocket: boolean): string {
    const o = this.opts;
    let url = o.origin + o.path;
    if (websocket) url = url.replace(/^http/, "ws");
    let qs = `?EIO=${ENGINE_PROTOCOL}&transport=${this.name}`;
    for (const key in this.query) qs += `&${encodeURIComponent(key)}=${encodeURIComponent(this.query[key]!)}`;
    if (websocket ? o.timestampRequests : o.timestampRequests !== false)
      qs += `&${o.timestampParam ?? "t"}=${(Date.now() * 1000 + (stamp++ % 1000)).toString(36)}`;
    if (o.forceBase64 && (websocket || this.query.sid === undefined)) qs += "&b64=1";
    return url + qs;
  }

  protected onClosed(details: CloseDetails): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.writable = false;
    this.handler.onClose(details);
  }
}
