/**
 * "Prepare once, send to many" (issue 3; DESIGN.md principle 2): the messages of one broadcast are
 * encoded once for polling (one payload fragment) and framed once for WebSocket (one Buffer holding
 * every frame), lazily, then the same bytes are written to every recipient.
 * Layer: engine.
 */
import { ENGINE_PACKET_CODES, RECORD_SEPARATOR, toBase64 } from "@plexus/protocol";
import { messageBytes } from "./engine-stats.js";
import { frame, Opcode } from "./websocket/websocket-frame.js";

/** One engine message: text, or binary bytes. */
export type EngineMessage = string | Uint8Array;

export interface PrepareOptions {
  /** Whether the messages may be compressed (HTTP compression of polling answers). Default `true`. */
  readonly compress?: boolean;
}

const MESSAGE = ENGINE_PACKET_CODES.message;

/**
 * Engine `message` packets prepared for many sessions. Immutable once built; the encoded forms are
 * computed on first use by a session of that transport and shared by all of them.
 */
export class PreparedPacket {
  /** The messages, in order (e.g. a Socket.IO packet followed by its binary attachments). */
  readonly messages: readonly EngineMessage[];
  readonly compress: boolean;
  #polling: string | null = null;
  #frames: Buffer | null = null;
  #byteLength = -1;
  #payloadBytes = -1;

  constructor(messages: readonly EngineMessage[], options?: PrepareOptions) {
    this.messages = messages;
    this.compress = options?.compress !== false;
  }

  /** Polling payload fragment: the records joined with `\x1e` (PROTOCOL.md §A3). */
  get pollingRecords(): string {
    if (this.#polling === null) {
      let out = "";
      for (let i = 0; i < this.messages.length; i++) {
        const m = this.messages[i]!;
        if (i > 0) out += RECORD_SEPARATOR;
        out += typeof m === "string" ? MESSAGE + m : `b${toBase64(m)}`;
      }
      this.#polling = out;
    }
    return this.#polling;
  }

  /** All WebSocket frames, concatenated in one Buffer (one write per recipient). */
  get webSocketFrames(): Buffer {
    if (this.#frames === null) {
      if (this.messages.length === 1) {
        this.#frames = frameMessage(this.messages[0]!);
      } else {
        this.#frames = Buffer.concat(this.messages.map(frameMessage));
      }
    }
    return this.#frames;
  }

  /** Approximate size (bytes) used by outbound-buffer accounting. */
  get byteLength(): number {
    if (this.#byteLength < 0) {
      let n = 0;
      for (const m of this.messages) n += typeof m === "string" ? m.length + 1 : m.byteLength;
      this.#byteLength = n;
    }
    return this.#byteLength;
  }

  /** Exact payload bytes of the messages (UTF-8 for text), for the engine's counters (engine-stats.ts). */
  get payloadBytes(): number {
    if (this.#payloadBytes < 0) {
      let n = 0;
      for (const m of this.messages) n += messageBytes(m);
      this.#payloadBytes = n;
    }
    return this.#payloadBytes;
  }
}

function frameMessage(m: EngineMessage): Buffer {
  return typeof m === "string" ? frame(MESSAGE + m, Opcode.TEXT) : frame(m, Opcode.BINARY);
}
