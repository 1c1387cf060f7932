/**
 * A minimal Engine.IO v4 / Socket.IO v5 client over a raw `ws` WebSocket (no socket.io-client: the load
 * generator must stay far cheaper than the server it measures). Opens with `transport=websocket`
 * directly, answers pings, joins the main namespace at socket level, counts broadcasts, matches acks.
 */
import { encodeEnginePacket } from "@plexus/protocol";
import WebSocket from "ws";
import { BenchClient } from "./bench-client.js";
import { CONNECT_MAIN_FRAME, EngineByte, engineQuery, PONG_TEXT, readAckId, SocketByte } from "./raw-wire.js";

export class RawWebSocketClient extends BenchClient {
  private ws: WebSocket | undefined;

  open(timeoutMs: number): Promise<void> {
    const { host, port, path, level, localAddress } = this.target;
    const url = `ws://${host}:${port}${path}${engineQuery("websocket")}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        localAddress,
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: timeoutMs,
      });
      this.ws = ws;
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`no connect within ${timeoutMs} ms`)), timeoutMs);
      const succeed = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      };
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      ws.on("error", fail);
      ws.on("close", () => {
        if (settled) this.events.closed(this);
        else fail(new Error("closed before connect"));
      });
      ws.on("message", (raw, isBinary) => {
        if (isBinary) return;
        const data = raw as Buffer;
        const c0 = data[0];
        if (c0 === EngineByte.MESSAGE) {
          const c1 = data[1];
          if (c1 === SocketByte.EVENT) {
            this.received++;
            this.events.broadcast(this);
          } else if (c1 === SocketByte.ACK) {
            this.events.ack(this, readAckId(data, 2));
          } else if (c1 === SocketByte.CONNECT) {
            succeed();
          } else if (c1 === SocketByte.CONNECT_ERROR) {
            fail(new Error(`connect error: ${data.toString()}`));
          }
        } else if (c0 === EngineByte.PING) {
          ws.send(PONG_TEXT);
        } else if (c0 === EngineByte.OPEN) {
          if (level === "engine") succeed();
          else ws.send(CONNECT_MAIN_FRAME);
        } else if (c0 === EngineByte.CLOSE) {
          ws.close();
        }
      });
    });
  }

  sendMessage(data: string): void {
    this.ws?.send(encodeEnginePacket({ type: "message", data }));
  }

  close(): void {
    this.ws?.terminate();
  }
}
