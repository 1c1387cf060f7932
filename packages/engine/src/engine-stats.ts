/**
 * The counters the engine keeps for observability (issue 16): a plain record of integers that exists
 * only once {@link Server.enableStats} was called. While metrics are off, `Server.stats` is `null` and
 * the per-packet paths do nothing more than compare that field with `null`; when they are on, each
 * packet costs a few integer additions (no allocation, no event). Exporters (`@plexus/metrics`) read the
 * values when they are scraped. Every field only grows, except through a new process.
 * Layer: engine.
 */
import type { EngineErrorCode } from "@plexus/protocol";
import { ENGINE_ERROR_MESSAGES } from "./http-errors.js";
import type { PreparedPacket } from "./prepared-packet.js";
import type { TransportName } from "./transport.js";

/** Sessions by the transport of their handshake. */
export interface TransportCounts {
  polling: number;
  websocket: number;
}

export class EngineStats {
  /** Engine.IO `message` packets received (text and binary; heartbeats and control packets excluded). */
  messagesReceived = 0;
  /** Payload bytes of those messages: UTF-8 length of text, length of binary (no framing, no type byte). */
  bytesReceived = 0;
  /** Engine.IO `message` packets queued for sending, one per recipient of a broadcast. */
  messagesSent = 0;
  /** Payload bytes of those messages, counted as {@link bytesReceived}. */
  bytesSent = 0;
  /** Recipients a prepared (broadcast) packet was queued for ("prepare once, send to many"). */
  preparedDeliveries = 0;
  /** Volatile packets dropped because their session could not take them at once. */
  volatileDrops = 0;
  /** Sessions opened, by the transport of their handshake. */
  readonly opened: TransportCounts = { polling: 0, websocket: 0 };
  /** Sessions closed, by close reason (`"transport close"`, `"ping timeout"`, `"slow consumer"`, ...). */
  readonly closed = new Map<string, number>();
  /** Requests refused with an Engine.IO error (the `connection_error` event), by error code (0–5). */
  readonly requestErrors: number[] = Object.keys(ENGINE_ERROR_MESSAGES).map(() => 0);

  /** @internal A message arrived. */
  _received(data: string | Uint8Array): void {
    this.messagesReceived++;
    this.bytesReceived += messageBytes(data);
  }

  /** @internal A message was queued: `item` is its record (type character first) or its bytes. */
  _sent(item: string | Uint8Array): void {
    this.messagesSent++;
    this.bytesSent += typeof item === "string" ? Buffer.byteLength(item) - 1 : item.byteLength;
  }

  /** @internal A prepared packet was queued for one more recipient. */
  _delivered(prepared: PreparedPacket): void {
    this.preparedDeliveries++;
    this.messagesSent += prepared.messages.length;
    this.bytesSent += prepared.payloadBytes;
  }

  /** @internal */
  _opened(transport: TransportName): void {
    this.opened[transport]++;
  }

  /** @internal */
  _closed(reason: string): void {
    this.closed.set(reason, (this.closed.get(reason) ?? 0) + 1);
  }

  /** @internal */
  _refused(code: EngineErrorCode): void {
    this.requestErrors[code] = (this.requestErrors[code] ?? 0) + 1;
  }
}

/** Payload bytes of one message: UTF-8 length of text, length of binary. */
export function messageBytes(data: string | ArrayBuffer | ArrayBufferView): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}
