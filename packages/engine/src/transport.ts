/**
 * The contract between a session and its transports (polling, WebSocket). A transport never holds
 * listeners of the session: it calls the session's handler methods directly, with itself as the first
 * argument so the session can tell its current transport from one being upgraded to (PROTOCOL.md §A7).
 * Layer: engine.
 */
import type { EnginePacket } from "@plexus/protocol";
import type { PreparedPacket } from "./prepared-packet.js";

export type TransportName = "polling" | "websocket";

/**
 * One queued outbound item: an encoded text packet (`"4hello"`, `"2"`, `"3probe"`), a binary message,
 * or a prepared broadcast holding one or more messages.
 */
export type OutItem = string | Uint8Array | PreparedPacket;

/** What a transport reports to its session. */
export interface TransportHandler {
  /** A decoded packet arrived (in order). */
  onTransportPacket(transport: Transport, packet: EnginePacket): void;
  /** A `message` packet arrived (in order): same as `onTransportPacket` without building the packet. */
  onTransportMessage(transport: Transport, data: string | Buffer): void;
  /** The transport can take a write now (polling: a GET arrived; WebSocket: the socket drained). */
  onTransportReady(transport: Transport): void;
  /** A write handed over by `send` left the process (callbacks of `socket.send` run here). */
  onTransportDrain(transport: Transport): void;
  /** The peer broke the protocol or the connection failed. */
  onTransportError(transport: Transport, message: string, description?: unknown): void;
  /** The transport closed (peer close, or after `close()`). */
  onTransportClose(transport: Transport): void;
  /** A packet was malformed. */
  onTransportParseError(transport: Transport): void;
}

export interface Transport {
  readonly name: TransportName;
  /** Whether `send` may be called now. */
  readonly writable: boolean;
  readonly readyState: "open" | "closing" | "closed";
  /** Bytes accepted by `send` that have not reached the kernel yet (WebSocket); polling keeps none. */
  readonly bufferedAmount?: number;
  /**
   * Writes every item in order, as one poll response or one batch of frames (one syscall).
   * `compress` is true when any item asked for compression. Items are consumed synchronously.
   */
  send(items: readonly OutItem[], compress: boolean): void;
  /** Writes one item (the WebSocket fast path: nothing queued, no array). */
  sendOne(item: OutItem, compress: boolean): void;
  /**
   * Closes the transport; `onTransportClose` follows (possibly later, e.g. at the next poll). A WebSocket
   * sends a close frame with `code` (default 1000) and `reason` (close-codes.ts); polling has no such frame.
   */
  close(code?: number, reason?: string): void;
  /** Marks the transport as replaced by an upgrade: it may close without telling the peer. */
  discard(): void;
  /** Detaches from the session: no more handler calls. */
  detach(): void;
}
