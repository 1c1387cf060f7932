/**
 * Socket.IO v5 streaming decoder: one Engine.IO message in, a complete packet out (or `null` while a
 * binary packet still waits for its attachments). Every rule of PROTOCOL.md §B2 is checked here, and any
 * violation throws a `ProtocolError` with a stable code — the caller closes the connection.
 * Layer: protocol.
 */
import { checkDepth, DEFAULT_MAX_DEPTH, reconstruct } from "./binary.js";
import { DEFAULT_MAX_ATTACHMENTS, RESERVED_EVENTS, SocketPacketType } from "./constants.js";
import { ProtocolError, ProtocolErrorCodes } from "./errors.js";
import type { SocketPacket } from "./socket-packet.js";

export interface SocketDecoderOptions {
  /** Most attachments one packet may announce (default 10, as the official parser). */
  readonly maxAttachments?: number;
  /**
   * Deepest nesting of arrays/objects accepted in a payload (default 1000). Deeper input is refused with
   * `ERR_SIO_INVALID_PAYLOAD` instead of letting a later recursive walk overflow the stack.
   */
  readonly maxDepth?: number;
}

/** Ack ids are decimal and must stay safe integers: 15 digits always are. */
const MAX_ACK_ID_DIGITS = 15;

interface PendingBinary {
  readonly type: SocketPacketType;
  readonly nsp: string;
  readonly id: number | undefined;
  readonly data: unknown;
  readonly expected: number;
  readonly buffers: Uint8Array[];
}

/**
 * Streaming Socket.IO v5 decoder, one per connection. Feed it every Engine.IO `message` in order; it
 * returns each packet once complete. State is at most one pending binary packet holding at most
 * `maxAttachments` attachments. Binary input is handed on as given (a Node `Buffer` stays a `Buffer`).
 * Any malformed input throws `ProtocolError` (PROTOCOL.md §B2: the caller closes the connection) and
 * drops the pending packet.
 *
 * @example
 * ```ts
 * const decoder = new SocketDecoder({ maxAttachments: 10 });
 * decoder.add('2/chat,7["say","hi"]');
 * // → { type: 2, nsp: "/chat", id: 7, data: ["say", "hi"] }
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]'); // → null, waits for 1 attachment
 * decoder.add(new Uint8Array([1, 2, 3]));
 * // → { type: 5, nsp: "/", data: ["file", Uint8Array [1, 2, 3]] }
 * ```
 */
export class SocketDecoder {
  private readonly maxAttachments: number;
  private readonly maxDepth: number;
  private pending: PendingBinary | null = null;

  constructor(options?: SocketDecoderOptions) {
    this.maxAttachments = options?.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    this.maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** True while a binary packet waits for attachments. */
  get awaitingAttachments(): boolean {
    return this.pending !== null;
  }

  /** Drops a partially received binary packet (on disconnect). */
  reset(): void {
    this.pending = null;
  }

  /**
   * Feeds one Engine.IO message: text (a packet header) or bytes (an attachment).
   * Returns the decoded packet when complete, `null` while attachments are still expected.
   * A binary packet keeps its type (BINARY_EVENT / BINARY_ACK) in the result.
   * @throws ProtocolError with a stable `code` (see `ProtocolErrorCodes`) on malformed input.
   */
  add(message: string | Uint8Array): SocketPacket | null {
    if (typeof message !== "string") return this.addAttachment(message);
    if (this.pending !== null) {
      this.pending = null;
      throw new ProtocolError(
        ProtocolErrorCodes.SIO_UNEXPECTED_TEXT,
        "text packet while awaiting attachments",
      );
    }
    return this.decodeText(message);
  }

  private addAttachment(bytes: Uint8Array): SocketPacket | null {
    const pending = this.pending;
    if (pending === null) {
      throw new ProtocolError(
        ProtocolErrorCodes.SIO_UNEXPECTED_BINARY,
        "binary data without a binary packet",
      );
    }
    pending.buffers.push(bytes);
    if (pending.buffers.length < pending.expected) return null;
    this.pending = null;
    const data = this.reconstruct(pending.data, pending.buffers);
    return pending.id === undefined
      ? { type: pending.type, nsp: pending.nsp, data }
      : { type: pending.type, nsp: pending.nsp, id: pending.id, data };
  }

  private reconstruct(data: unknown, buffers: readonly Uint8Array[]): unknown {
    try {
      return reconstruct(data, buffers, this.maxDepth);
    } catch (err) {
      throw asProtocolError(err);
    }
  }

  private decodeText(text: string): SocketPacket | null {
    const type = text.charCodeAt(0) - 48;
    if (!(type >= 0 && type <= 6)) {
      throw new ProtocolError(ProtocolErrorCodes.SIO_UNKNOWN_PACKET_TYPE, "unknown packet type");
    }
    const length = text.length;
    let i = 1;

    let attachments = 0;
    const binary = type === SocketPacketType.BINARY_EVENT || type === SocketPacketType.BINARY_ACK;
    if (binary) {
      const start = i;
      while (i < length && isDigit(text.charCodeAt(i))) i++;
      if (i === start || i === length || text.charCodeAt(i) !== 45 /* - */ || i - start > 6) {
        throw new ProtocolError(ProtocolErrorCodes.SIO_ILLEGAL_ATTACHMENTS, "illegal attachments");
      }
      attachments = Number(text.slice(start, i));
      if (attachments > this.maxAttachments) {
        throw new ProtocolError(ProtocolErrorCodes.SIO_TOO_MANY_ATTACHMENTS, "too many attachments");
      }
      i++;
    }

    // Namespace: from `/` to the first `,` or the end of the string (both forms are valid, §B2).
    let nsp = "/";
    if (i < length && text.charCodeAt(i) === 47 /* / */) {
      const comma = text.indexOf(",", i);
      const end = comma === -1 ? length : comma;
      nsp = text.slice(i, end);
      i = comma === -1 ? length : comma + 1;
    }

    let id: number | undefined;
    if (i < length && isDigit(text.charCodeAt(i))) {
      const start = i;
      while (i < length && isDigit(text.charCodeAt(i))) i++;
      if (i - start > MAX_ACK_ID_DIGITS) {
        throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_ACK_ID, "ack id too long");
      }
      id = Number(text.slice(start, i));
    }

    let data: unknown;
    if (i < length) {
      try {
        data = JSON.parse(text.slice(i));
      } catch {
        throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_JSON, "invalid JSON payload");
      }
      checkPayload(type as SocketPacketType, data);
      // Nesting deeper than maxDepth needs at least 2 * maxDepth characters: short payloads skip the walk.
      // Binary packets are walked by reconstruct, which checks the depth itself.
      if (!binary && length - i > 2 * this.maxDepth && typeof data === "object") {
        try {
          checkDepth(data, this.maxDepth);
        } catch (err) {
          throw asProtocolError(err);
        }
      }
    } else checkAbsentPayload(type as SocketPacketType);
    const packetType = type as SocketPacketType;
    if (binary && attachments > 0) {
      this.pending = { type: packetType, nsp, id, data, expected: attachments, buffers: [] };
      return null;
    }
    if (binary && data !== undefined) this.reconstruct(data, []);
    if (data === undefined)
      return id === undefined ? { type: packetType, nsp } : { type: packetType, nsp, id };
    return id === undefined ? { type: packetType, nsp, data } : { type: packetType, nsp, id, data };
  }
}

/**
 * A `maxDepth` above a few thousand can exhaust the stack before the depth check fires: the input is
 * still too deep, and still the peer's fault, so it gets the same error instead of a `RangeError`.
 */
function asProtocolError(err: unknown): unknown {
  return err instanceof RangeError
    ? new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "payload nested too deeply")
    : err;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A packet without payload: only CONNECT and DISCONNECT may be one (PROTOCOL.md §B2). */
export function checkAbsentPayload(type: SocketPacketType): void {
  if (type === SocketPacketType.EVENT || type === SocketPacketType.BINARY_EVENT) {
    throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "event without payload");
  } else if (type === SocketPacketType.ACK || type === SocketPacketType.BINARY_ACK) {
    throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "ack without payload");
  } else if (type === SocketPacketType.CONNECT_ERROR) {
    // §B2: CONNECT_ERROR carries a string or an object; the official decoder lets an absent one through.
    throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "connect_error without payload");
  }
}

/** Payload shapes per packet type (PROTOCOL.md §B2). */
export function checkPayload(type: SocketPacketType, data: unknown): void {
  switch (type) {
    case SocketPacketType.CONNECT:
      if (isPlainObject(data)) return;
      break;
    case SocketPacketType.DISCONNECT:
      break;
    case SocketPacketType.CONNECT_ERROR:
      if (typeof data === "string" || isPlainObject(data)) return;
      break;
    case SocketPacketType.EVENT:
    case SocketPacketType.BINARY_EVENT: {
      if (!Array.isArray(data)) break;
      const name: unknown = data[0];
      if (typeof name === "number") return;
      if (typeof name === "string") {
        if (RESERVED_EVENTS.has(name)) {
          throw new ProtocolError(ProtocolErrorCodes.SIO_RESERVED_EVENT, `reserved event name "${name}"`);
        }
        return;
      }
      break;
    }
    case SocketPacketType.ACK:
    case SocketPacketType.BINARY_ACK:
      if (Array.isArray(data)) return;
      break;
  }
  throw new ProtocolError(ProtocolErrorCodes.SIO_INVALID_PAYLOAD, "invalid payload for packet type");
}
