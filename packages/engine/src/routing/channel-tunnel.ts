/**
 * One end of a byte tunnel over a node channel: a tunnelled WebSocket upgrade between the node the
 * client reached and the session's owner. Bytes read from the local stream go to the peer as `DATA`
 * messages; bytes the peer sends are written to the local stream and acknowledged (`ACK`) once written,
 * and a side stops reading while more than {@link WINDOW} bytes it sent are unacknowledged — so a slow
 * client holds the owner's WebSocket back (its outbound bound applies) instead of filling memory here.
 * Layer: engine.
 */
import type { Duplex } from "node:stream";
import type { NodeChannel } from "./node-channel.js";
import { encodeRouteMessage, RouteMessageType, type RouteMessageTypeValue } from "./route-message.js";

/** Unacknowledged bytes a side may have in flight before it stops reading. */
export const WINDOW = 256 * 1024;

export class ChannelTunnel {
  /** Set once the peer sent anything (the owner's 101 or its refusal). */
  answered = false;
  private unacked = 0;
  private paused = false;
  private ended = false;
  private readonly dataType: RouteMessageTypeValue;
  private readonly ackType: RouteMessageTypeValue;
  private readonly endType: RouteMessageTypeValue;

  constructor(
    private readonly channel: NodeChannel,
    readonly peer: string,
    readonly id: number,
    private readonly local: Duplex,
    opener: boolean,
    private readonly onClosed: (tunnel: ChannelTunnel) => void,
  ) {
    const T = RouteMessageType;
    this.dataType = opener ? T.UP_DATA : T.DOWN_DATA;
    this.ackType = opener ? T.UP_ACK : T.DOWN_ACK;
    this.endType = opener ? T.UP_END : T.DOWN_END;
    local.on("data", (chunk: Buffer) => this.onLocalData(chunk));
    local.on("error", () => local.destroy());
    local.on("close", () => this.end(true));
    local.on("end", () => local.destroy());
  }

  private onLocalData(chunk: Buffer): void {
    if (this.ended) return;
    if (!this.channel.send(this.peer, encodeRouteMessage(this.dataType, this.id, null, chunk))) {
      this.local.destroy();
      return;
    }
    this.unacked += chunk.length;
    if (this.unacked > WINDOW && !this.paused) {
      this.paused = true;
      this.local.pause();
    }
  }

  /** Bytes from the peer. */
  onPeerData(bytes: Uint8Array): void {
    this.answered = true;
    if (this.ended) return;
    const n = bytes.length;
    this.local.write(bytes, () => {
      if (!this.ended) this.channel.send(this.peer, encodeRouteMessage(this.ackType, this.id, { n }));
    });
  }

  /** The peer wrote out `n` of our bytes. */
  onPeerAck(n: number): void {
    this.unacked -= n;
    if (this.paused && this.unacked <= WINDOW / 2) {
      this.paused = false;
      this.local.resume();
    }
  }

  /** The peer's side closed, or it left: close ours. */
  onPeerEnd(): void {
    this.end(false);
    this.local.destroy();
  }

  /** Stops tunnelling without closing the local stream (it is answered otherwise: "Session ID unknown"). */
  abandon(): void {
    this.end(false);
  }

  private end(tellPeer: boolean): void {
    if (this.ended) return;
    this.ended = true;
    if (tellPeer) this.channel.send(this.peer, encodeRouteMessage(this.endType, this.id, null));
    this.onClosed(this);
  }
}
