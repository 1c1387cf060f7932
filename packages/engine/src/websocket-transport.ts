/**
 * WebSocket transport (PROTOCOL.md §A5): one engine packet per frame, binary messages as raw binary
 * frames. It is the {@link WebSocketHandler} of its connection, so no listener is allocated per session;
 * frames written in one batch leave in one syscall (the connection corks its socket).
 * Layer: engine.
 */

import { decodeEngineRecord, type EnginePacket } from "@plexus/protocol";
import createDebug from "debug";
import { base64RecordV3, binaryFrameV3, decodePacketV3 } from "./eio3-codec.js";
import type { OutItem, Transport, TransportHandler } from "./transport.js";
import type { WebSocketConnection, WebSocketHandler } from "./websocket/websocket-connection.js";
import { type WebSocketError, WebSocketErrorCodes } from "./websocket/websocket-error.js";

/** WebSocket frames in and out (`DEBUG=plexus:engine:websocket`). */
const debug = createDebug("plexus:engine:websocket");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class WebSocketTransport implements Transport, WebSocketHandler {
  /** A prototype getter, not an instance field: 8 bytes less per session (DESIGN.md principle 1). */
  get name(): "websocket" {
    return "websocket";
  }
  writable = true;
  readyState: "open" | "closing" | "closed" = "open";
  /** @internal */ handler: TransportHandler | null = null;
  /** @internal set right after the 101 */ conn: WebSocketConnection | null = null;
  /** Engine.IO revision of the client (3: binary frames carry a type byte). */
  readonly protocol: 3 | 4;
  /** EIO3 only: binary may be sent as binary frames (no `b64` query parameter). */
  readonly supportsBinary: boolean;

  /** Bytes written to the connection but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.conn === null ? 0 : this.conn.bufferedAmount;
  }

  constructor(protocol: 3 | 4 = 4, supportsBinary = true) {
    this.protocol = protocol;
    this.supportsBinary = supportsBinary;
  }

  /** Whether a write is still in flight: made in this batch (held to its end), or buffered by the socket. */
  get writing(): boolean {
    const conn = this.conn;
    return conn !== null && (conn.pendingWrite !== null || conn.socket.writableLength > 0);
  }

  onWebSocketMessage(data: string | Buffer, isBinary: boolean): void {
    if (DEBUG) debug("frame received (%s, %d bytes)", isBinary ? "binary" : "text", data.length);
    const handler = this.handler;
    if (handler === null) return;
    let packet: EnginePacket;
    if (this.protocol === 3) {
      try {
        packet = decodePacketV3(data);
      } catch {
        handler.onTransportParseError(this);
        return;
      }
    } else if (isBinary) {
      // Binary data may share memory with the socket's read buffer: copy before handing it to the app.
      handler.onTransportMessage(this, Buffer.from(data as Buffer));
      return;
    } else if ((data as string).charCodeAt(0) === 52 /* "4": message, the hot path */) {
      handler.onTransportMessage(this, (data as string).slice(1));
      return;
    } else {
      try {
        // `b<base64>` text frames are binary messages too (clients with `forceBase64`), as engine.io reads them.
        packet = decodeEngineRecord(data as string);
      } catch {
        handler.onTransportParseError(this);
        return;
      }
    }
    handler.onTransportPacket(this, packet);
  }

  onWebSocketClose(): void {
    if (DEBUG) debug("websocket closed");
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.writable = false;
    this.handler?.onTransportClose(this);
  }

  onWebSocketError(error: WebSocketError): void {
    if (DEBUG) debug("websocket error: %s", error.message);
    // A TCP error (ECONNRESET from a peer that went away, e.g. a browser tearing a page down) is the
    // transport closing, as with engine.io (ws reports no socket errors): `onWebSocketClose` follows and
    // the session ends with "transport close" (PROTOCOL.md: TCP/WS close). Frame-level violations stay errors.
    if (error.code === WebSocketErrorCodes.SOCKET_ERROR) return;
    this.handler?.onTransportError(this, "websocket error", error);
  }

  onWebSocketBackpressure(): void {
    // Packets wait in the session until the socket drains (bounded by `maxOutboundBytes`).
    if (this.readyState === "open") this.writable = false;
  }

  onWebSocketDrain(): void {
    if (this.writable || this.readyState !== "open") return;
    this.writable = true;
    this.handler?.onTransportReady(this);
  }

  send(items: readonly OutItem[], compress: boolean): void {
    if (DEBUG) debug("writing %d packets", items.length);
    if (this.conn === null || this.readyState !== "open") return;
    let ok = true;
    for (const item of items) ok = this.write(item, compress);
    // Above the socket's high-water mark: hold further packets in the session until it drains.
    if (!ok) this.writable = false;
    this.handler?.onTransportDrain(this);
  }

  sendOne(item: OutItem, compress: boolean): void {
    if (DEBUG) debug("writing one packet");
    if (this.conn === null || this.readyState !== "open") return;
    if (!this.write(item, compress)) this.writable = false;
    this.handler?.onTransportDrain(this);
  }

  private write(item: OutItem, compress: boolean): boolean {
    const conn = this.conn!;
    if (typeof item === "string") return conn.send(item, compress);
    if (!(item instanceof Uint8Array)) return conn.sendFrame(item.webSocketFrames);
    if (this.protocol === 4) return conn.send(toBuffer(item), compress);
    return this.supportsBinary ? conn.send(binaryFrameV3(item), compress) : conn.send(base64RecordV3(item));
  }

  close(code?: number, reason?: string): void {
    if (this.readyState !== "open") return;
    this.readyState = "closing";
    this.writable = false;
    this.conn?.close(code, reason);
    // The session is closed at once, as engine.io does, without waiting for the closing handshake.
    this.readyState = "closed";
    this.handler?.onTransportClose(this);
  }

  discard(): void {}

  detach(): void {
    this.handler = null;
  }
}
