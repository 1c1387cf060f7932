// Fuzzing helpers: a seeded PRNG, mutators derived from valid encodings, and the guards every fuzz test
// applies (only ProtocolError escapes, bounded time per input, bounded heap growth over the run).
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ProtocolError, ProtocolErrorCodes } from "@plexus/protocol";

/** mulberry32: small, fast, deterministic (a failing seed replays exactly). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fuzz {
  constructor(readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** Characters that mean something to one of the decoders. */
  private static readonly SPECIAL = [
    ",",
    "-",
    "/",
    "[",
    "]",
    "{",
    "}",
    '"',
    ":",
    "\\",
    "\x1e",
    "b",
    "=",
    "+",
    " ",
    "\0",
    "\ud800",
    "🎉",
    "é",
    '{"_placeholder":true,"num":0}',
    '"disconnect"',
    "null",
    "true",
    "1e999",
    "-0",
  ];

  randomString(maxLength: number): string {
    let out = "";
    const n = this.int(maxLength + 1);
    for (let i = 0; i < n; i++) {
      const r = this.random();
      if (r < 0.5) out += String.fromCharCode(32 + this.int(95));
      else if (r < 0.7) out += String(this.int(10));
      else if (r < 0.9) out += this.pick(Fuzz.SPECIAL);
      else out += String.fromCharCode(this.int(0x10000));
    }
    return out;
  }

  digits(): string {
    const len = this.pick([1, 2, 3, 7, 15, 16, 17, 40, 400]);
    let out = "";
    for (let i = 0; i < len; i++) out += String(this.int(10));
    return out;
  }

  /** One mutation of a valid encoding: bit flip, truncation, duplication, separators, digits, splicing. */
  mutate(input: string, corpus: readonly string[]): string {
    if (input.length === 0) return this.randomString(8);
    const at = this.int(input.length + 1);
    switch (this.int(10)) {
      case 0: {
        const i = Math.min(at, input.length - 1);
        const flipped = input.charCodeAt(i) ^ (1 << this.int(16));
        return input.slice(0, i) + String.fromCharCode(flipped) + input.slice(i + 1);
      }
      case 1:
        return input.slice(0, at);
      case 2:
        return input.slice(at);
      case 3: {
        const end = at + this.int(input.length - at + 1);
        return input.slice(0, end) + input.slice(at, end) + input.slice(end);
      }
      case 4:
        return input.slice(0, at) + this.pick(Fuzz.SPECIAL) + input.slice(at);
      case 5:
        return input.slice(0, at) + this.digits() + input.slice(at);
      case 6: {
        const end = at + this.int(input.length - at + 1);
        return input.slice(0, at) + input.slice(end);
      }
      case 7:
        return String(this.int(10)) + input.slice(1);
      case 8: {
        const other = this.pick(corpus);
        return input.slice(0, at) + other.slice(this.int(other.length + 1));
      }
      default:
        return input.slice(0, at) + this.randomString(6) + input.slice(at);
    }
  }

  mutateMany(input: string, corpus: readonly string[]): string {
    let out = input;
    const rounds = 1 + this.int(3);
    for (let i = 0; i < rounds; i++) out = this.mutate(out, corpus);
    return out;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.int(12));
    for (let i = 0; i < out.length; i++) out[i] = this.int(256);
    return out;
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ProtocolErrorCodes));

/**
 * Longest any single input may take: far above normal (microseconds), it only catches hangs and runaway
 * (super-linear) work. 1 s was once exceeded by a descheduled process on a loaded 2-core machine.
 */
export const HANG_LIMIT_MS = 10_000;

/**
 * Runs `decode(input)`; returns the result, or `undefined` after a ProtocolError with a known code.
 * Anything else thrown fails the test with the offending input. Tracks the slowest input in `stats`.
 */
export function guarded<T>(
  stats: { slowest: number; errors: number },
  input: unknown,
  decode: () => T,
): T | undefined {
  const start = performance.now();
  try {
    return decode();
  } catch (err) {
    if (!(err instanceof ProtocolError) || !KNOWN_CODES.has(err.code)) {
      const shown = typeof input === "string" ? JSON.stringify(input.slice(0, 200)) : String(input);
      assert.fail(`non-ProtocolError escaped for input ${shown}: ${String(err)}`);
    }
    stats.errors++;
    return undefined;
  } finally {
    const took = performance.now() - start;
    if (took > stats.slowest) stats.slowest = took;
  }
}

let gcFn: (() => void) | undefined;
/** A real `gc()` without a command-line flag (the test runner's flags are fixed). */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    setFlagsFromString("--expose-gc");
    gcFn = runInNewContext("gc") as () => void;
  }
  gcFn();
}

export function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
