/**
 * WebSocket transport (PROTOCOL.md §A5): one Engine.IO packet per frame, binary messages as raw binary frames.
 */
import {
  decodeEnginePacket,
  decodeEngineRecord,
  encodeEnginePacket,
  encodeEngineRecord,
} from "@plexus/protocol";
import { ClientError, ClientErrorCodes } from "../errors.js";
import { platform, type WebSocketLike } from "./platform.js";
import { type OutgoingPacket, Transport } from "./transport.js";

export class WebSocketTransport extends Transport {
  readonly name = "websocket";
  private ws: WebSocketLike | undefined;

  open(): void {
    let ws: WebSocketLike;
    try {
      ws = platform().websocket(this.uri(true), this.opts);
    } catch (err) {
      queueMicrotask(() =>
        this.handler.onError(new ClientError(ClientErrorCodes.TRANSPORT, "websocket error", err)),
      );
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.state = "open";
      this.writable = true;
      this.handler.onOpen();
    };
    ws.onclose = (ev) => this.onClosed({ description: "websocket connection closed", context: ev });
    ws.onerror = (ev) => {
      if (this.state !== "closed")
        this.handler.onError(new ClientError(ClientErrorCodes.TRANSPORT, "websocket error", ev));
    };
    ws.onmessage = (ev) => this.onFrame(ev.data);
  }

  /** Text frames may be `b<base64>` binary: a server answers `forceBase64` clients (`b64=1`) that way. */
  private onFrame(data: unknown): void {
    let packet: ReturnType<typeof decodeEnginePacket>;
    try {
      packet =
        typeof data === "string"
          ? decodeEngineRecord(data)
          : decodeEnginePacket(data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer));
    } catch (err) {
      this.handler.onError(new ClientError(ClientErrorCodes.TRANSPORT, "websocket error", err));
      return;
    }
    if (packet.type === "close") this.onClosed({ description: "transport closed by the server" });
    else this.handler.onPacket(packet);
  }

  send(packets: readonly OutgoingPacket[]): void {
    const ws = this.ws;
    if (ws === undefined) return;
    this.writable = false;
    for (const packet of packets) {
      try {
        // forceBase64: binary goes as a `b<base64>` text frame, as engine.io-client's.
        const frame = this.opts.forceBase64 ? encodeEngineRecord(packet) : encodeEnginePacket(packet);
        ws.send(frame, { compress: packet.compress !== false });
      } catch {
        // The socket is closing: its close event reports the loss.
      }
    }
    // A send is handed to the socket synchronously: writable again once this task's emits were queued (a
    // microtask, like engine.io-client's nextTick), so a volatile emit in a `connect` handler is not dropped.
    queueMicrotask(() => {
      if (this.state === "closed") return;
      this.writable = true;
      this.handler.onDrain();
    });
  }

  close(): void {
    this.state = "closed";
    this.writable = false;
    const ws = this.ws;
    if (ws === undefined) return;
    ws.onmessage = ws.onopen = null;
    ws.onerror = () => {};
    ws.close();
  }
}
