/**
 * One accepted WebSocket over a socket that already answered `101` (RFC 6455 §4–§7).
 * Memory-lean by construction (DESIGN.md principle 1): the socket listeners are module-level functions
 * that find the connection through a symbol on the socket, the connection *is* its frame parser (it
 * extends `WebSocketReceiver`, one object per connection), options are a shared reference, and no timer
 * exists except during a close handshake.
 * Writes of a batch (a tick, or an event-loop iteration on a busy server: flush-timing.ts) are corked and
 * leave in one syscall (`writev`).
 * Layer: engine (transport).
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { noteBatchFlushed, scheduleBatchFlush } from "./flush-timing.js";
import { deflateMessage, type PerMessageDeflateOptions } from "./permessage-deflate.js";
import { CloseCodes, WebSocketError, WebSocketErrorCodes } from "./websocket-error.js";
import { closeFrame, frame, frameHeader, frameText, Opcode } from "./websocket-frame.js";
import { WebSocketReceiver } from "./websocket-receiver.js";

/**
 * The owner of a connection (the engine's transport). Ordering: messages arrive in wire order;
 * `onWebSocketError` (zero or more times) precedes the single `onWebSocketClose`, which is always the
 * last call. No callback runs before `acceptWebSocket` returns. Callbacks may call any method of the
 * connection (re-entrancy is safe). Handlers must not throw: an exception escapes like one thrown
 * from an EventEmitter listener.
 */
export interface WebSocketHandler {
  /** A complete message. Binary data may share memory with the socket's read buffer. */
  onWebSocketMessage(data: string | Buffer, isBinary: boolean): void;
  /**
   * The connection is closed (socket closed). `code`/`reason` come from the peer's close frame:
   * 1005 if it carried no code, 1006 if the connection ended without a close frame from the peer.
   */
  onWebSocketClose(code: number, reason: string): void;
  /** A protocol violation (the connection is then closing with `error.closeCode`) or a socket error. */
  onWebSocketError(error: WebSocketError): void;
  /**
   * A write of an earlier call (kept to the end of the batch, see `write`) filled the socket's buffer above
   * its high-water mark: `onWebSocketDrain` follows when it drains.
   */
  onWebSocketBackpressure?(): void;
  /** The socket's write buffer has drained below its high-water mark (`bufferedAmount` dropped). */
  onWebSocketDrain?(): void;
  /** A pong frame arrived (the engine's heartbeat is `2`/`3` packets, so this is optional). */
  onWebSocketPong?(payload: Buffer): void;
}

export interface WebSocketOptions {
  /** Largest accepted message in bytes (inflated size when compressed); bigger → close 1009. Default 1e6. */
  readonly maxPayload?: number;
  /** permessage-deflate without context takeover. Off by default. */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Milliseconds to wait for the peer's close frame / TCP close after ours before destroying. Default 10000. */
  readonly closeTimeout?: number;
}

export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

const DEFAULT_MAX_PAYLOAD = 1_000_000;
const DEFAULT_CLOSE_TIMEOUT = 10_000;
const DEFAULT_THRESHOLD = 1024;
/** Binary payloads above this are written as header + original buffer (writev) instead of copied. */
const COPY_LIMIT = 16 * 1024;

const CORKED = 1;
const CLOSE_SENT = 2;
const CLOSE_RECEIVED = 4;

const kConnection = Symbol("plexus.websocket");
type TaggedSocket = Duplex & { [kConnection]?: WebSocketConnection };

export class WebSocketConnection extends WebSocketReceiver {
  /** Receives the events; may be replaced (e.g. when an upgraded WebSocket becomes a session's transport). */
  handler: WebSocketHandler;
  readyState: ReadyState = ReadyState.OPEN;
  /** @internal */ readonly socket: Duplex;
  private readonly options: WebSocketOptions;
  /** Negotiated permessage-deflate window (9–15), 0 when not negotiated. */
  private readonly deflateBits: number;
  /** @internal CORKED | CLOSE_SENT | CLOSE_RECEIVED. */
  flags = 0;
  /** @internal The first write of this batch, written at its end (see {@link write}). */
  pendingWrite: Buffer | string | null = null;
  /** @internal The number of the last batch this connection was written in (see {@link write}). */
  lastBatch = -1;
  private closeCode: number = CloseCodes.ABNORMAL;
  private closeReason = "";
  /** @internal Exists only during a closing handshake we started. */
  closeTimer: ReturnType<typeof setTimeout> | null = null;

  /** @internal Use {@link acceptWebSocket}. */
  constructor(socket: Duplex, handler: WebSocketHandler, options: WebSocketOptions, deflateBits: number) {
    // `compression` (inherited): whether permessage-deflate was negotiated, i.e. whether frames with
    // RSV1 (compressed prepared frames) may be sent to this connection.
    super(options.maxPayload ?? DEFAULT_MAX_PAYLOAD, deflateBits !== 0);
    this.socket = socket;
    this.handler = handler;
    this.options = options;
    this.deflateBits = deflateBits;
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedAmount(): number {
    const pending = this.pendingWrite;
    const held =
      pending === null ? 0 : typeof pending === "string" ? Buffer.byteLength(pending) : pending.length;
    return this.socket.writableLength + held;
  }

  get remoteAddress(): string | undefined {
    return (this.socket as Partial<Socket>).remoteAddress;
  }

  /**
   * Sends one message: a string as a text frame, a Buffer as a binary frame. With permessage-deflate,
   * messages of at least `threshold` bytes are compressed unless `compress` is false.
   * Returns false when the connection is not open or the socket buffer is above its high-water mark.
   * A large Buffer (> 16 KiB) is written as is, not copied: do not modify it afterwards.
   */
  send(data: string | Buffer, compress = true): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    const isText = typeof data === "string";
    const opcode = isText ? Opcode.TEXT : Opcode.BINARY;
    if (this.deflateBits !== 0 && compress) {
      const pmd = this.options.perMessageDeflate;
      const threshold = typeof pmd === "object" ? (pmd.threshold ?? DEFAULT_THRESHOLD) : DEFAULT_THRESHOLD;
      const length = isText ? Buffer.byteLength(data) : data.length;
      if (length >= threshold) {
        const bytes = isText ? Buffer.from(data) : data;
        const params = { serverMaxWindowBits: this.deflateBits };
        const deflated = deflateMessage(bytes, typeof pmd === "object" ? pmd : undefined, params);
        return this.write(frame(deflated, opcode, { rsv1: true }));
      }
    }
    if (isText) return this.write(frameText(data));
    if (data.length > COPY_LIMIT) {
      this.write(frameHeader(data.length, opcode));
      return this.write(data);
    }
    return this.write(frame(data, opcode));
  }

  /**
   * Writes bytes already framed by {@link frame} / {@link frameText} ("prepare once, send to many").
   * The buffer must not be modified afterwards: it may still be queued. A frame with RSV1 may only go
   * to a connection whose `compression` is true.
   */
  sendFrame(bytes: Buffer): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    return this.write(bytes);
  }

  /** Writes several prepared frames, in order, in one syscall. */
  sendFrames(frames: readonly Buffer[]): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    let ok = true;
    for (const bytes of frames) ok = this.write(bytes);
    return ok;
  }

  /** Sends a ping frame (payload ≤ 125 bytes). */
  ping(payload: Buffer = Buffer.alloc(0)): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    return this.write(frame(payload.subarray(0, 125), Opcode.PING));
  }

  /**
   * Starts the closing handshake (§7.1.2): sends a close frame, then waits up to `closeTimeout` for the
   * peer's close before destroying the socket. `onWebSocketClose` follows when the socket is closed.
   */
  close(code: number = CloseCodes.NORMAL, reason = ""): void {
    if (this.readyState !== ReadyState.OPEN) return;
    this.readyState = ReadyState.CLOSING;
    this.sendClose(code, reason);
  }

  /** Destroys the socket at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSING;
    this.stop();
    this.socket.destroy();
  }

  /** @internal */
  override onReceiverMessage(data: string | Buffer, isBinary: boolean): void {
    this.handler.onWebSocketMessage(data, isBinary);
  }

  /** @internal §5.5.2: answer a ping with a pong carrying the same payload. */
  override onReceiverPing(payload: Buffer): void {
    if ((this.flags & CLOSE_SENT) === 0) this.write(frame(payload, Opcode.PONG));
  }

  /** @internal */
  override onReceiverPong(payload: Buffer): void {
    this.handler.onWebSocketPong?.(payload);
  }

  /** @internal §5.5.1: echo the close (unless we already sent one), then close TCP — the server closes first. */
  override onReceiverClose(code: number, reason: string): void {
    this.flags |= CLOSE_RECEIVED;
    this.closeCode = code;
    this.closeReason = reason;
    if (this.readyState === ReadyState.OPEN) this.readyState = ReadyState.CLOSING;
    if ((this.flags & CLOSE_SENT) === 0) this.sendClose(code, "");
    else this.endSocket();
  }

  /** Ends the socket after what this batch wrote. */
  private endSocket(): void {
    this.flushPending();
    this.socket.end();
  }

  /** @internal §7.1.7: fail the connection with the error's close code. */
  override onReceiverError(error: WebSocketError): void {
    if (this.readyState === ReadyState.OPEN) this.readyState = ReadyState.CLOSING;
    if ((this.flags & CLOSE_SENT) === 0) this.sendClose(error.closeCode, "");
    this.endSocket();
    this.handler.onWebSocketError(error);
  }

  /**
   * @internal Writes to the socket so that one batch = one syscall (DESIGN.md principle 2). The batch's
   * first write is only kept (`pendingWrite`) and written alone at its end: the common case of a
   * broadcast — one frame per recipient per batch — then costs a plain `write`, without corking, a
   * buffered entry and `writev`. A second write in the same batch corks the socket and all leave in one
   * `writev`. A batch ends with the tick, or, on a busy server where the previous batch wrote to a
   * connection of this one again, with the event-loop iteration (flush-timing.ts): the messages of many
   * clients read in one poll phase, each rebroadcast by its own listener, then share one syscall per
   * recipient; echo-like traffic (each batch to other connections) keeps the cheaper end of the tick. Not
   * one tick or immediate per connection (a broadcast to N sessions would allocate N objects per emit):
   * the connection joins a module-level list, and one scheduled flush writes every connection written to
   * (no allocation per recipient).
   */
  write(data: Buffer | string): boolean {
    const socket = this.socket;
    if ((this.flags & CORKED) !== 0) return socket.write(data);
    const first = this.pendingWrite;
    if (first === null) {
      this.pendingWrite = data;
      // Written in the previous batch too: had both been one, they would have shared a syscall.
      const again = this.lastBatch === ((batchNo - 1) & BATCH_MASK);
      this.lastBatch = batchNo;
      if (again) repeated = true;
      if (corked.push(this) === 1) scheduleBatchFlush(uncorkAll, undefined, again || deferNext);
      // Whether the socket takes it is known when it is written: a refusal is reported then
      // (`onWebSocketBackpressure`), and `drain` follows as for any write that returned false.
      return true;
    }
    this.flags |= CORKED;
    socket.cork();
    this.pendingWrite = null;
    socket.write(first);
    return socket.write(data);
  }

  /** @internal Writes the batch's first write now (at its end, or before the socket ends). */
  flushPending(): void {
    const data = this.pendingWrite;
    if (data === null) return;
    this.pendingWrite = null;
    if (!this.socket.destroyed && !this.socket.write(data)) this.handler.onWebSocketBackpressure?.();
  }

  private sendClose(code: number, reason: string): void {
    this.flags |= CLOSE_SENT;
    if (!this.socket.destroyed) this.write(closeFrame(code, reason));
    if ((this.flags & CLOSE_RECEIVED) !== 0) {
      this.endSocket();
    } else if (this.closeTimer === null) {
      const timer = setTimeout(closeTimeoutExpired, this.options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT, this);
      timer.unref();
      this.closeTimer = timer;
    }
  }

  /** @internal */
  socketClosed(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.stop();
    if (this.closeTimer !== null) {
      clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    const received = (this.flags & CLOSE_RECEIVED) !== 0;
    this.handler.onWebSocketClose(
      received ? this.closeCode : CloseCodes.ABNORMAL,
      received ? this.closeReason : "",
    );
  }
}

/** Connections written to in the current batch; two arrays swapped so flushing allocates nothing. */
let corked: WebSocketConnection[] = [];
let spare: WebSocketConnection[] = [];
/** Batches are numbered (modulo a small-integer range, so that `lastBatch` stays a small integer). */
const BATCH_MASK = 0x3fffffff;
let batchNo = 0;
/** A connection of the batch being filled was written in the previous batch too. */
let repeated = false;
/** The batch just flushed had such a connection: the next one may wait for the end of the iteration. */
let deferNext = false;

function uncorkAll(): void {
  noteBatchFlushed();
  deferNext = repeated;
  repeated = false;
  batchNo = (batchNo + 1) & BATCH_MASK;
  // Swap first: an uncork may run code that writes again (re-entrancy), which then starts a new batch.
  const list = corked;
  corked = spare;
  let i = 0;
  try {
    for (; i < list.length; i++) {
      const conn = list[i]!;
      if (conn.pendingWrite !== null) {
        conn.flushPending();
      } else {
        conn.flags &= ~CORKED;
        conn.socket.uncork();
      }
    }
  } finally {
    // Should an uncork throw, the connections after it must not stay corked forever: next batch.
    for (let j = i + 1; j < list.length; j++)
      if (corked.push(list[j]!) === 1) scheduleBatchFlush(uncorkAll, undefined, true);
    list.length = 0;
    spare = list;
  }
}

function closeTimeoutExpired(conn: WebSocketConnection): void {
  conn.closeTimer = null;
  conn.socket.destroy();
}

function socketOnData(this: TaggedSocket, chunk: Buffer): void {
  this[kConnection]?.push(chunk);
}

/** The peer half-closed (FIN): finish our side too; with no close frame this ends as 1006. */
function socketOnEnd(this: TaggedSocket): void {
  const conn = this[kConnection];
  if (conn !== undefined && conn.readyState === ReadyState.OPEN) conn.readyState = ReadyState.CLOSING;
  conn?.stop();
  this.end();
}

function socketOnClose(this: TaggedSocket): void {
  this[kConnection]?.socketClosed();
}

function socketOnError(this: TaggedSocket, err: Error): void {
  const conn = this[kConnection];
  this.destroy();
  if (conn === undefined || conn.readyState === ReadyState.CLOSED) return;
  if (conn.readyState === ReadyState.OPEN) conn.readyState = ReadyState.CLOSING;
  conn.handler.onWebSocketError(
    new WebSocketError(WebSocketErrorCodes.SOCKET_ERROR, err.message, 0, { cause: err }),
  );
}

function socketOnDrain(this: TaggedSocket): void {
  this[kConnection]?.handler.onWebSocketDrain?.();
}

function emitClosed(conn: WebSocketConnection): void {
  conn.socketClosed();
}

/**
 * Wires a connection onto an upgrade socket after the `101` was written. `head` is the first bytes
 * after the request headers (the `upgrade` event's third argument).
 * @internal Used by {@link acceptWebSocket}.
 */
export function attachWebSocket(
  socket: Duplex,
  head: Buffer | undefined,
  handler: WebSocketHandler,
  options: WebSocketOptions,
  deflateBits: number,
  response: string,
): WebSocketConnection {
  const conn = new WebSocketConnection(socket, handler, options, deflateBits);
  const tagged = socket as TaggedSocket;
  tagged[kConnection] = conn;
  const net = socket as Partial<Socket>;
  if (typeof net.setNoDelay === "function") net.setNoDelay(true);
  if (typeof net.setTimeout === "function") net.setTimeout(0);
  socket.on("error", socketOnError);
  if (socket.destroyed) {
    conn.readyState = ReadyState.CLOSING;
    process.nextTick(emitClosed, conn);
    return conn;
  }
  conn.write(response);
  if (head !== undefined && head.length > 0) socket.unshift(head);
  socket.on("data", socketOnData);
  socket.on("end", socketOnEnd);
  socket.on("close", socketOnClose);
  socket.on("drain", socketOnDrain);
  socket.resume();
  return conn;
}
