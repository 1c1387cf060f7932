// Fuzz: random and mutated client byte streams, cut into random chunks, never make the receiver throw;
// every run ends in messages and at most one terminal event (a close or an error with a close code).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  deflateMessage,
  frame,
  Opcode,
  type WebSocketError,
  WebSocketReceiver,
} from "../src/websocket/index.js";

/** Small deterministic PRNG (mulberry32) so a failure is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { messages: Array<string | Buffer>; terminal: string[]; afterTerminal: number };

/** A receiver that records its outcome. */
class Sink extends WebSocketReceiver {
  readonly outcome: Outcome = { messages: [], terminal: [], afterTerminal: 0 };
  private note(): void {
    if (this.outcome.terminal.length > 0) this.outcome.afterTerminal++;
  }
  override onReceiverMessage(data: string | Buffer): void {
    this.note();
    this.outcome.messages.push(typeof data === "string" ? data : Buffer.from(data));
  }
  override onReceiverPing(): void {
    this.note();
  }
  override onReceiverPong(): void {
    this.note();
  }
  override onReceiverClose(code: number): void {
    this.note();
    this.outcome.terminal.push(`close ${code}`);
  }
  override onReceiverError(error: WebSocketError): void {
    this.note();
    assert.ok([1002, 1007, 1009].includes(error.closeCode), `${error.code} → ${error.closeCode}`);
    assert.match(error.code, /^ERR_WS_/);
    this.outcome.terminal.push(error.code);
  }
}

const MAX_PAYLOAD = 64 * 1024;

/** A valid client stream: messages (maybe fragmented, maybe compressed), pings and pongs between them. */
function validStream(
  rand: () => number,
  compression: boolean,
  bigSize: number,
): { bytes: Buffer; messages: Array<string | Buffer> } {
  const parts: Buffer[] = [];
  const messages: Array<string | Buffer> = [];
  const count = 1 + Math.floor(rand() * 6);
  for (let m = 0; m < count; m++) {
    const mask = Buffer.from([rand() * 256, rand() * 256, rand() * 256, rand() * 256]);
    const size = rand() < 0.8 ? Math.floor(rand() * 200) : Math.floor(rand() * bigSize);
    const isText = rand() < 0.5;
    let payload: Buffer;
    if (isText) {
      const text = "a".repeat(size >> 1) + "€".repeat(size >> 3) + (rand() < 0.5 ? "😀" : "");
      payload = Buffer.from(text);
      if (payload.length > MAX_PAYLOAD) continue;
      messages.push(text);
    } else {
      payload = Buffer.alloc(size);
      for (let i = 0; i < size; i += 97) payload[i] = rand() * 256;
      if (payload.length > MAX_PAYLOAD) continue;
      messages.push(payload);
    }
    const compress = compression && rand() < 0.5;
    const wire = compress ? deflateMessage(payload) : payload;
    const opcode = isText ? Opcode.TEXT : Opcode.BINARY;
    const pieces = rand() < 0.3 ? 1 + Math.floor(rand() * 4) : 1;
    const step = Math.ceil(wire.length / pieces) || 1;
    for (let p = 0, offset = 0; p < pieces; p++, offset += step) {
      const last = p === pieces - 1;
      const bytes = last ? wire.subarray(offset) : wire.subarray(offset, offset + step);
      parts.push(
        frame(bytes, p === 0 ? opcode : Opcode.CONTINUATION, { fin: last, rsv1: compress && p === 0, mask }),
      );
      if (rand() < 0.2)
        parts.push(frame(Buffer.from("ping"), rand() < 0.5 ? Opcode.PING : Opcode.PONG, { mask }));
    }
  }
  return { bytes: Buffer.concat(parts), messages };
}

function mutate(rand: () => number, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const kind = Math.floor(rand() * 4);
  if (kind === 0 && out.length > 0) {
    for (let i = 0; i < 1 + rand() * 4; i++) out[Math.floor(rand() * out.length)] = rand() * 256;
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(rand() * out.length));
  if (kind === 2) {
    const junk = Buffer.alloc(1 + Math.floor(rand() * 32));
    for (let i = 0; i < junk.length; i++) junk[i] = rand() * 256;
    const at = Math.floor(rand() * (out.length + 1));
    return Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]);
  }
  const random = Buffer.alloc(Math.floor(rand() * 64));
  for (let i = 0; i < random.length; i++) random[i] = rand() * 256;
  return random;
}

/** Feeds `bytes` in random chunks; returns the outcome and how many chunks were pushed. */
function feed(rand: () => number, bytes: Buffer, compression: boolean): { outcome: Outcome; chunks: number } {
  const receiver = new Sink(MAX_PAYLOAD, compression);
  let chunks = 0;
  for (let pos = 0; pos < bytes.length; chunks++) {
    const size = rand() < 0.5 ? 1 + Math.floor(rand() * 8) : 1 + Math.floor(rand() * 4096);
    // Copy: the receiver unmasks in place and the caller may compare against the original bytes.
    receiver.push(Buffer.from(bytes.subarray(pos, pos + size)));
    pos += size;
  }
  return { outcome: receiver.outcome, chunks };
}

describe("WebSocketReceiver fuzz", () => {
  it("parses valid streams cut into random chunks exactly", () => {
    const rand = prng(1);
    for (let run = 0; run < 300; run++) {
      const compression = run % 2 === 0;
      const { bytes, messages } = validStream(rand, compression, 70_000);
      const { outcome } = feed(rand, bytes, compression);
      assert.deepEqual(outcome.terminal, [], `run ${run}`);
      assert.deepEqual(outcome.messages, messages, `run ${run}`);
    }
  });

  it("never throws on 100k chunks of mutated or random input, and ends at most once", () => {
    const rand = prng(2);
    let totalChunks = 0;
    let runs = 0;
    let terminated = 0;
    while (totalChunks < 100_000) {
      const compression = runs % 2 === 0;
      const { bytes } = validStream(rand, compression, 3000);
      const input = mutate(rand, bytes);
      const { outcome, chunks } = feed(rand, input, compression);
      totalChunks += chunks;
      runs++;
      assert.ok(outcome.terminal.length <= 1, `run ${runs}: ${outcome.terminal.join()}`);
      assert.equal(outcome.afterTerminal, 0, `run ${runs}: events after the end`);
      if (outcome.terminal.length === 1) terminated++;
    }
    // The mutations must actually exercise the error paths.
    assert.ok(terminated > runs / 10, `${terminated} of ${runs} runs ended in an error or close`);
  });

  it("rejects a frame claiming a huge 64-bit length without buffering it", () => {
    const receiver = new Sink(MAX_PAYLOAD);
    receiver.push(Buffer.from("82ff7fffffffffffffff01020304", "hex"));
    assert.deepEqual(receiver.outcome.terminal, ["ERR_WS_PAYLOAD_TOO_BIG"]);
  });
});
