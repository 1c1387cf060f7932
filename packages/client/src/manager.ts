/**
 * The Manager owns one engine connection to an origin and multiplexes the namespaces (Sockets) over it
 * (PROTOCOL.md §B3). It decodes Socket.IO packets, routes them by namespace, and reconnects with backoff.
 */

import {
  type DisconnectReasons,
  EngineCloseReasons,
  encodeSocketPacket,
  type Parser,
  SocketDecoder,
  type SocketPacket,
  SocketPacketType,
} from "@plexus/protocol";
import createDebug from "debug";
import { Backoff } from "./backoff.js";
import { type CustomCodec, customCodec } from "./custom-codec.js";
import { Emitter } from "./emitter.js";
import {
  type CloseDescription,
  type EngineCloseReason,
  type EngineOptions,
  EngineSocket,
  unrefIf,
} from "./engine/engine-socket.js";
import { type BinaryType, platform } from "./engine/platform.js";
import { type Timers, timersFor } from "./engine/timers.js";
import { ClientError, ClientErrorCodes } from "./errors.js";
import { parseUrl } from "./parse-url.js";
import { Socket, type SocketOptions } from "./socket.js";
import type { DefaultEventsMap, EventsMap } from "./typed-events.js";

/** Opening, closing and reconnecting the connection (`DEBUG=plexus:client`; not in the browser bundles). */
const debug = createDebug("plexus:client");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

export interface ManagerOptions extends EngineOptions {
  /** Always create a new Manager in `io()` instead of reusing the cached one of the origin. */
  forceNew?: boolean;
  /** `false` is the same as `forceNew: true` (default true). */
  multiplex?: boolean;
  /** Reconnect automatically (default true). */
  reconnection?: boolean;
  /** Attempts before giving up with `reconnect_failed` (default Infinity). */
  reconnectionAttempts?: number;
  /** First reconnection delay in ms (default 1000), doubled on each attempt. */
  reconnectionDelay?: number;
  /** Upper bound of the reconnection delay in ms (default 5000). */
  reconnectionDelayMax?: number;
  /** Jitter of the reconnection delay, 0 ≤ factor ≤ 1 (default 0.5). */
  randomizationFactor?: number;
  /** Connection timeout in ms before `connect_error` (default 20000); `false` disables it. */
  timeout?: number | false;
  /** Connect as soon as the Manager (or Socket) is created (default true). */
  autoConnect?: boolean;
  /**
   * The Socket.IO packet codec, as socket.io-client's option: `{ Encoder, Decoder }` classes, e.g.
   * `require("socket.io-msgpack-parser")` or `msgpackParser` from `@plexus/protocol`; the server must use the
   * same one. Default: the built-in text + binary-attachment format.
   */
  parser?: Parser;
}

/** A reason the engine connection closed, as Socket.IO names it. */
export type ManagerCloseReason = EngineCloseReason | typeof DisconnectReasons.PARSE_ERROR;

interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: SocketPacket) => void;
  close: (reason: ManagerCloseReason, description?: CloseDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

/** An outgoing Socket.IO packet with its compression flag. */
export type OutgoingSocketPacket = SocketPacket & { compress?: boolean };

type Unsubscribe = () => void;

function on(
  emitter: Emitter<{}, never> | EngineSocket | Manager,
  ev: string,
  fn: (...args: never[]) => void,
): Unsubscribe {
  const target = emitter as unknown as {
    on(ev: string, fn: unknown): void;
    off(ev: string, fn: unknown): void;
  };
  target.on(ev, fn);
  return () => target.off(ev, fn);
}

/**
 * @example
 * const manager = new Manager("http://localhost:3000", { reconnectionDelayMax: 10000 });
 * const admin = manager.socket("/admin", { auth: { token: "abc" } });
 */
export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends Emitter<{}, ManagerReservedEvents> {
  /** The engine connection, once opened. */
  engine!: EngineSocket;
  readonly opts: ManagerOptions;
  /** Sockets by namespace. */
  nsps: Record<string, Socket<ListenEvents, EmitEvents>> = {};
  _readyState: "opening" | "open" | "closed" = "closed";
  _reconnecting = false;
  private readonly uri: string;
  private readonly backoff: Backoff;
  private skipReconnect = false;
  private subs: Unsubscribe[] = [];
  private readonly decoder = new SocketDecoder();
  /** The `parser` option's codec; `undefined` for the built-in one above. */
  private readonly custom: CustomCodec | undefined;
  /** @internal Timers of reconnection, connection and ack timeouts (`useNativeTimers`). */
  readonly _timers: Timers;
  /** Packets waiting behind a `Blob` being read, so nothing overtakes it. */
  private blobChain: Promise<void> | undefined;
  private pendingBlobs = 0;

  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super();
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    this.opts = { path: "/socket.io", ...opts };
    // Only the origin matters to the engine: `new Manager("http://host:3000/")` and `io()` in a page both work.
    this.uri = parseUrl(uri, "").origin;
    const o = this.opts;
    this.custom = customCodec(o.parser);
    this._timers = timersFor(o.useNativeTimers);
    this.backoff = new Backoff(
      o.reconnectionDelay ?? 1000,
      o.reconnectionDelayMax ?? 5000,
      o.randomizationFactor ?? 0.5,
    );
    if (o.autoConnect !== false) this.open();
  }

  private get reconnectionEnabled(): boolean {
    return this.opts.reconnection !== false;
  }

  /** Gets or sets `reconnection` (socket.io-client API). */
  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnection(v?: boolean): this | boolean {
    if (v === undefined) return this.reconnectionEnabled;
    this.opts.reconnection = v;
    if (!v) this.skipReconnect = true;
    return this;
  }

  /** Gets or sets `reconnectionAttempts`. */
  reconnectionAttempts(): number;
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(v?: number): this | number {
    if (v === undefined) return this.opts.reconnectionAttempts ?? Number.POSITIVE_INFINITY;
    this.opts.reconnectionAttempts = v;
    return this;
  }

  /** Gets or sets `reconnectionDelay`. */
  reconnectionDelay(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelay(v?: number): this | number {
    if (v === undefined) return this.backoff.min;
    this.opts.reconnectionDelay = this.backoff.min = v;
    return this;
  }

  /** Gets or sets `reconnectionDelayMax`. */
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(v?: number): this | number {
    if (v === undefined) return this.backoff.max;
    this.opts.reconnectionDelayMax = this.backoff.max = v;
    return this;
  }

  /** Gets or sets `randomizationFactor`. */
  randomizationFactor(): number;
  randomizationFactor(v: number): this;
  randomizationFactor(v?: number): this | number {
    if (v === undefined) return this.backoff.jitter;
    this.opts.randomizationFactor = this.backoff.jitter = v;
    return this;
  }

  /** Gets or sets the connection `timeout`. */
  timeout(): number | false;
  timeout(v: number | false): this;
  timeout(v?: number | false): this | number | false {
    if (v === undefined) return this.opts.timeout ?? 20000;
    this.opts.timeout = v;
    return this;
  }

  /** Opens the engine connection (no-op when open or opening); `fn` gets the opening error, if any. */
  open(fn?: (err?: Error) => void): this {
    if (DEBUG) debug("opening %s (state %s)", this.uri, this._readyState);
    if (this._readyState !== "closed") return this;
    const engine = new EngineSocket(this.uri, this.opts);
    this.engine = engine;
    this._readyState = "opening";
    this.skipReconnect = false;
    const onError = (err: Error) => {
      this.cleanup();
      this._readyState = "closed";
      this.emitReserved("error", err);
      if (fn) fn(err);
      else if (!this._reconnecting && this.reconnectionEnabled && this.backoff.attempts === 0)
        this.reconnect();
    };
    this.subs.push(
      on(engine, "open", () => {
        this.onOpen();
        fn?.();
      }),
      on(engine, "error", onError),
    );
    const timeout = this.timeout();
    if (timeout !== false) {
      const timers = this._timers;
      const timer = unrefIf(
        timers.set(() => {
          this.cleanup();
          onError(new ClientError(ClientErrorCodes.CONNECT_TIMEOUT, "timeout"));
          engine.close();
        }, timeout),
        this.opts.autoUnref,
      );
      this.subs.push(() => timers.clear(timer));
    }
    return this;
  }

  /** Alias of `open`. */
  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  private onOpen(): void {
    if (DEBUG) debug("engine open, session %s", this.engine.id);
    this.cleanup();
    this._readyState = "open";
    this.emitReserved("open");
    const engine = this.engine!;
    this.subs.push(
      on(engine, "ping", () => this.emitReserved("ping")),
      on(engine, "data", (data: string | Uint8Array) => this.onData(data)),
      on(engine, "error", (err: Error) => this.emitReserved("error", err)),
      on(engine, "close", (reason: EngineCloseReason, description?: CloseDescription) =>
        this.onClose(reason, description),
      ),
    );
  }

  private onData(data: string | Uint8Array): void {
    if (this.custom !== undefined) {
      this.onCustomData(this.custom, data);
      return;
    }
    let packet: SocketPacket | null;
    try {
      packet = this.decoder.add(data);
    } catch (err) {
      // The same wire string as DisconnectReasons.PARSE_ERROR; the bundles carry one table of reasons, not two.
      this.onClose(EngineCloseReasons.PARSE_ERROR, err as Error);
      return;
    }
    if (packet === null) return;
    if (packet.type === SocketPacketType.BINARY_EVENT || packet.type === SocketPacketType.BINARY_ACK) {
      toReceivedBinary(packet.data, this.engine.binaryType);
    }
    this.route(packet);
  }

  /** A custom parser may put binary in any packet: every payload is walked for it. */
  private onCustomData(custom: CustomCodec, data: string | Uint8Array): void {
    let packets: SocketPacket[];
    try {
      packets = custom.decode(data);
    } catch (err) {
      this.onClose(EngineCloseReasons.PARSE_ERROR, err as Error);
      return;
    }
    for (const packet of packets) {
      if (packet.data !== undefined) toReceivedBinary(packet.data, this.engine.binaryType);
      this.route(packet);
    }
  }

  private route(packet: SocketPacket): void {
    this.emitReserved("packet", packet);
    const socket = this.nsps[packet.nsp];
    if (socket?.active) socket._onPacket(packet);
  }

  /**
   * The Socket of a namespace, created on first use and shared afterwards.
   */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket<ListenEvents, EmitEvents> {
    let socket = this.nsps[nsp];
    if (socket === undefined) {
      socket = new Socket<ListenEvents, EmitEvents>(this, nsp, opts ?? {});
      this.nsps[nsp] = socket;
    } else if (this.opts.autoConnect !== false && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  /** Called by a Socket that became inactive: the connection closes when no namespace is active. */
  _destroy(_socket: Socket<ListenEvents, EmitEvents>): void {
    for (const nsp in this.nsps) if (this.nsps[nsp]!.active) return;
    this._close();
  }

  /** Encodes and writes a packet; attachments that are `Blob`s are read first, keeping packet order. */
  _packet(packet: OutgoingSocketPacket): void {
    const parts = this.custom === undefined ? encodeSocketPacket(packet) : this.custom.encode(packet);
    const compress = packet.compress !== false;
    const hasBlob = typeof Blob === "function" && parts.some((p) => p instanceof Blob);
    if (!hasBlob && this.pendingBlobs === 0) {
      for (const part of parts) this.engine?.write(part as string | Uint8Array, compress);
      return;
    }
    this.pendingBlobs++;
    const engine = this.engine;
    const ready = Promise.all(
      parts.map((p) =>
        typeof p !== "string" && !(p instanceof Uint8Array)
          ? p.arrayBuffer().then((b) => new Uint8Array(b))
          : p,
      ),
    );
    this.blobChain = (this.blobChain ?? Promise.resolve()).then(async () => {
      const bytes = await ready.catch(() => undefined);
      this.pendingBlobs--;
      if (bytes === undefined || engine === undefined || engine !== this.engine) return;
      for (const part of bytes) engine.write(part, compress);
    });
  }

  private cleanup(): void {
    for (const unsubscribe of this.subs) unsubscribe();
    this.subs = [];
    this.decoder.reset();
    this.custom?.reset();
  }

  /** Closes the connection and stops reconnecting. */
  _close(): void {
    this.skipReconnect = true;
    this._reconnecting = false;
    this.onClose("forced close");
  }

  /** Alias of `_close`, as in socket.io-client. */
  disconnect(): void {
    this._close();
  }

  private onClose(reason: ManagerCloseReason, description?: CloseDescription): void {
    if (DEBUG) debug("connection closed: %s", reason);
    this.cleanup();
    this.engine?.close();
    this.backoff.reset();
    this._readyState = "closed";
    this.emitReserved("close", reason, description);
    if (this.reconnectionEnabled && !this.skipReconnect) this.reconnect();
  }

  private reconnect(): void {
    if (DEBUG) debug("reconnect: attempt %d", this.backoff.attempts + 1);
    if (this._reconnecting || this.skipReconnect) return;
    if (this.backoff.attempts >= (this.opts.reconnectionAttempts ?? Number.POSITIVE_INFINITY)) {
      this.backoff.reset();
      this._reconnecting = false;
      this.emitReserved("reconnect_failed");
      return;
    }
    const delay = this.backoff.duration();
    this._reconnecting = true;
    const timers = this._timers;
    const timer = unrefIf(
      timers.set(() => {
        if (this.skipReconnect) return;
        this.emitReserved("reconnect_attempt", this.backoff.attempts);
        if (this.skipReconnect) return;
        this.open((err) => {
          if (err) {
            this._reconnecting = false;
            this.reconnect();
            this.emitReserved("reconnect_error", err);
          } else {
            const attempts = this.backoff.attempts;
            this._reconnecting = false;
            this.backoff.reset();
            this.emitReserved("reconnect", attempts);
          }
        });
      }, delay),
      this.opts.autoUnref,
    );
    this.subs.push(() => timers.clear(timer));
  }
}

/** Received binary becomes what the engine's `binaryType` asks for (Buffer in Node, ArrayBuffer in browsers). */
function toReceivedBinary(value: unknown, binaryType: BinaryType): unknown {
  if (value instanceof Uint8Array) return platform().binary(value, binaryType);
  if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return value;
  const record = value as Record<string, unknown>;
  for (const key in record) record[key] = toReceivedBinary(record[key], binaryType);
  return value;
}
