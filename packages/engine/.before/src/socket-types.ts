/**
 * Public types of an engine session (`Socket`) and the heartbeat lanes it is scheduled in.
 * Layer: engine.
 */
import type { EngineCloseReason } from "@plexus/protocol";
import type { Transport } from "./transport.js";

export type SocketReadyState = "opening" | "open" | "closing" | "closed";

/** Data of a message: text, or binary (received binary is a `Buffer`). */
export type RawData = string | Buffer | ArrayBuffer | ArrayBufferView;

export interface SendOptions {
  /** Allow compression of this packet (HTTP compression / permessage-deflate). Default `true`. */
  compress?: boolean;
  /** Drop the packet rather than queue it when the transport cannot write right now. */
  volatile?: boolean;
}

export type SendCallback = (transport: Transport) => void;

/** A session closes with an engine reason ("slow consumer" when its outbound buffer overflows). */
export type SocketCloseReason = EngineCloseReason;

/** Heartbeat lanes of the server's scheduler (one fixed delay each). */
export const LANE_PING = 0;
export const LANE_PONG = 1;
export const LANE_EIO3 = 2;
