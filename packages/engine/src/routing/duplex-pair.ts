/**
 * Two in-memory stream ends joined back to back, standing in for a TCP connection inside one process:
 * what is written to one end is read from the other, with backpressure, and destroying one end closes the
 * other. The channel router serves forwarded requests and tunnelled upgrades on its engine through them,
 * so the owner handles them with Node's own HTTP parser, exactly as requests that arrived over TCP.
 * Layer: engine.
 */
import { Duplex } from "node:stream";

export class PairEnd extends Duplex {
  /** @internal */ peer: PairEnd | null = null;
  /** @internal a write waiting for the peer to read */ waiting: (() => void) | null = null;
  readonly remoteAddress = "127.0.0.1";

  override _read(): void {
    const peer = this.peer;
    const resume = peer?.waiting ?? null;
    if (peer !== null && resume !== null) {
      peer.waiting = null;
      resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer === null || peer.destroyed) {
      callback();
      return;
    }
    if (peer.push(chunk)) callback();
    else this.waiting = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    this.waiting = null;
    callback(error);
    if (peer !== null && !peer.destroyed) {
      peer.push(null);
      peer.destroy();
    }
  }

  // What Node's HTTP server and the WebSocket layer may call on a socket.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
}

/** Two joined ends: `[a, b]`. */
export function duplexPair(): [PairEnd, PairEnd] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
