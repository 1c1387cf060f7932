/**
 * Codec micro-benchmark: Plexus `@plexus/protocol` against the official `socket.io-parser` and
 * `engine.io-parser`, in the same process and the same run, interleaved round by round so that machine
 * noise hits both sides alike. Prints ops/s (median of the rounds) and the ratio ours/theirs.
 *
 *   node --conditions=source --import tsx bench/codec.ts [--rounds=7] [--ms=250] [--only=decode]
 *
 * Cases: (a) a small event, (b) an event with a 1 KB binary attachment, (c) an event carrying a 1 MB
 * string, (d) a polling payload of 50 packets of which 10 are binary. Decoding must not be slower than the
 * official parsers (ratio ≥ 1.0).
 */
import { performance } from "node:perf_hooks";
import {
  decodePayload,
  type EnginePacket,
  encodePayload,
  encodeSocketPacket,
  SocketDecoder,
  SocketPacketType,
} from "@plexus/protocol";
import * as eio from "engine.io-parser";
import { Decoder, Encoder, type Packet } from "socket.io-parser";

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
};
const ROUNDS = arg("rounds", 7);
const ROUND_MS = arg("ms", 250);
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.slice(7);

let sink = 0;

/** Runs `fn` for about `ms` milliseconds; returns operations per second. */
function measure(fn: () => void, ms: number): number {
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = performance.now();
    if (now - start < ms / 20) batch *= 2;
  }
  return (ops * 1000) / (now - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Case {
  readonly name: string;
  readonly ours: () => void;
  readonly theirs: () => void;
}

// --- inputs ---------------------------------------------------------------------------------------------

const small = {
  type: SocketPacketType.EVENT,
  nsp: "/",
  data: ["chat", { user: "a", text: "hello" }],
} as const;
const kb = new Uint8Array(1024).map((_, i) => i & 0xff);
const withBinary = {
  type: SocketPacketType.EVENT,
  nsp: "/",
  data: ["upload", { name: "f.bin", bytes: kb }],
} as const;
const mbString = "lorem ipsum dolor sit amet, ".repeat(Math.ceil(1_048_576 / 28)).slice(0, 1_048_576);
const big = { type: SocketPacketType.EVENT, nsp: "/", data: ["big", mbString] } as const;

const theirEncoder = new Encoder();
// Both sides get a fresh packet object per call (the reference encoder writes `data` and `attachments`
// onto the packet it is given; the argument data itself is never modified by either side).
const fresh = (p: { type: number; nsp: string; data: readonly unknown[] }): Packet => ({
  type: p.type,
  nsp: p.nsp,
  data: p.data,
});

const smallText = encodeSocketPacket(small)[0];
const binaryFrames = encodeSocketPacket(withBinary) as [string, Uint8Array];
const bigText = encodeSocketPacket(big)[0];

const payloadPackets: EnginePacket[] = [];
for (let i = 0; i < 50; i++) {
  payloadPackets.push(
    i % 5 === 4
      ? { type: "message", data: new Uint8Array(256).fill(i) }
      : { type: "message", data: `2["chat",{"user":"u${i}","text":"message number ${i}"}]` },
  );
}
const payloadBody = encodePayload(payloadPackets);
const theirPayloadPackets = payloadPackets.map((p) => ({ type: p.type, data: p.data }) as eio.Packet);

// --- decoders -------------------------------------------------------------------------------------------

const ourDecoder = new SocketDecoder();
const theirDecoder = new Decoder();
theirDecoder.on("decoded", (packet: Packet) => {
  sink += packet.type;
});
const ourDecode = (message: string | Uint8Array): void => {
  const packet = ourDecoder.add(message);
  if (packet !== null) sink += packet.type;
};

const cases: Case[] = [
  {
    name: "(a) small event encode",
    ours: () => {
      sink += encodeSocketPacket(fresh(small))[0].length;
    },
    theirs: () => {
      sink += (theirEncoder.encode(fresh(small))[0] as string).length;
    },
  },
  {
    name: "(a) small event decode",
    ours: () => ourDecode(smallText),
    theirs: () => theirDecoder.add(smallText),
  },
  {
    name: "(b) 1 KB binary event encode",
    ours: () => {
      sink += encodeSocketPacket(fresh(withBinary)).length;
    },
    theirs: () => {
      sink += theirEncoder.encode(fresh(withBinary)).length;
    },
  },
  {
    name: "(b) 1 KB binary event decode",
    ours: () => {
      ourDecode(binaryFrames[0]);
      ourDecode(binaryFrames[1]);
    },
    theirs: () => {
      theirDecoder.add(binaryFrames[0]);
      theirDecoder.add(binaryFrames[1]);
    },
  },
  {
    name: "(c) 1 MB string event encode",
    ours: () => {
      sink += encodeSocketPacket(fresh(big))[0].length;
    },
    theirs: () => {
      sink += (theirEncoder.encode(fresh(big))[0] as string).length;
    },
  },
  {
    name: "(c) 1 MB string event decode",
    ours: () => ourDecode(bigText),
    theirs: () => theirDecoder.add(bigText),
  },
  {
    name: "(d) 50-packet polling payload encode",
    ours: () => {
      sink += encodePayload(payloadPackets).length;
    },
    theirs: () => {
      eio.encodePayload(theirPayloadPackets, (body) => {
        sink += body.length;
      });
    },
  },
  {
    name: "(d) 50-packet polling payload decode",
    ours: () => {
      sink += decodePayload(payloadBody).length;
    },
    theirs: () => {
      sink += eio.decodePayload(payloadBody).length;
    },
  },
];

// --- run ------------------------------------------------------------------------------------------------

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1);
}

console.log(
  `codec bench: node ${process.version}, ${ROUNDS} rounds × ${ROUND_MS} ms per side, interleaved; ops/s as` +
    " median and best round (best = least disturbed by other processes on a shared machine)",
);
console.log(
  `${"case".padEnd(40)}${"plexus med".padStart(12)}${"official med".padStart(14)}${"ratio".padStart(7)}` +
    `${"plexus best".padStart(13)}${"official best".padStart(15)}${"ratio".padStart(7)}`,
);
let worstDecode = Number.POSITIVE_INFINITY;
for (const c of cases) {
  if (ONLY !== undefined && !c.name.includes(ONLY)) continue;
  // Warm both sides up before measuring.
  measure(c.ours, ROUND_MS / 2);
  measure(c.theirs, ROUND_MS / 2);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side goes first, so drift over the round hits both.
    if (r % 2 === 0) {
      ours.push(measure(c.ours, ROUND_MS));
      theirs.push(measure(c.theirs, ROUND_MS));
    } else {
      theirs.push(measure(c.theirs, ROUND_MS));
      ours.push(measure(c.ours, ROUND_MS));
    }
  }
  const om = median(ours);
  const tm = median(theirs);
  const ob = Math.max(...ours);
  const tb = Math.max(...theirs);
  if (c.name.endsWith("decode")) worstDecode = Math.min(worstDecode, om / tm);
  console.log(
    `${c.name.padEnd(40)}${fmt(om).padStart(12)}${fmt(tm).padStart(14)}${(om / tm).toFixed(2).padStart(7)}` +
      `${fmt(ob).padStart(13)}${fmt(tb).padStart(15)}${(ob / tb).toFixed(2).padStart(7)}`,
  );
}
console.log(`lowest median decode ratio: ${worstDecode.toFixed(2)} (requirement ≥ 1.00)`);
// Keeps the measured work observable so the JIT cannot drop it.
if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
