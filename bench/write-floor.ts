/**
 * What one small `write` to a loopback TCP socket costs on this machine: the floor under "server CPU per
 * delivery (1 emit/tick)" and "one emit until the last client has it" for any Node server. No Socket.IO,
 * no WebSocket parsing: N plain `net` sockets, one pre-framed 64-byte WebSocket text frame written to each
 * per event-loop turn, the other ends read by plain `net` clients in two child processes (as the bench's
 * load generators, on their own loopback source addresses).
 *
 *   node --import tsx bench/write-floor.ts [--clients 10000] [--turns 50] [--singles 8] [--raw]
 *
 * Prints user and system CPU per write for 50 consecutive turns (the 1-emit-per-tick shape) and, for single
 * rounds after a pause (the one-emit shape), the wall time until the last write returned. `--raw` also runs
 * the same writes straight on the libuv handle (`handle.writeBuffer`, skipping `net.Socket`'s stream
 * machinery) where this Node exposes it, to show what the stream layer adds.
 */
import { fork } from "node:child_process";
import net from "node:net";
import { parseArgs } from "node:util";

const CHILD = "--write-floor-child";

function runChild(): void {
  const [port, count, address] = process.argv.slice(process.argv.indexOf(CHILD) + 1);
  let started = 0;
  const total = Number(count);
  const ignore = () => {};
  // Batches of 500: a SYN burst of thousands overflows the accept queue (1 s retransmits).
  const batch = () => {
    for (let k = 0; k < 500 && started < total; k++, started++) {
      const s = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: address });
      s.on("data", ignore);
      s.on("error", ignore);
    }
    if (started < total) setTimeout(batch, 20);
  };
  batch();
  process.on("disconnect", () => process.exit(0));
}

interface StreamHandle {
  writeBuffer(req: object, data: Buffer): number;
}

/** `WriteWrap` from Node's stream binding, when this Node still exposes `process.binding("stream_wrap")`. */
function writeWrapConstructor(): (new () => Record<string, unknown>) | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding(
      "stream_wrap",
    );
    const ctor = binding.WriteWrap;
    return typeof ctor === "function" ? (ctor as new () => Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "10000" },
      turns: { type: "string", default: "50" },
      singles: { type: "string", default: "8" },
      raw: { type: "boolean", default: false },
    },
  });
  const n = Number(values.clients);
  const turns = Number(values.turns);
  const singles = Number(values.singles);
  const sockets: net.Socket[] = [];
  let ready: () => void = () => {};
  const allConnected = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const server = net.createServer({ noDelay: true }, (s) => {
    s.on("error", () => {});
    if (sockets.push(s) === n) ready();
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const self = new URL(import.meta.url).pathname;
  const children = [0, 1].map((i) =>
    fork(self, [CHILD, String(port), String(Math.ceil(n / 2) - (i === 1 ? n % 2 : 0)), `127.0.9.${10 + i}`], {
      execArgv: process.execArgv,
    }),
  );
  await allConnected;
  const frame = Buffer.from(`\x81\x3e42["b",1,"${"p".repeat(50)}"]`, "latin1");
  const WriteWrap = values.raw ? writeWrapConstructor() : undefined;
  if (values.raw && WriteWrap === undefined)
    console.log("--raw: this Node exposes no WriteWrap; stream only");
  const oncomplete = () => {};
  const writers: [string, (s: net.Socket) => void][] = [["net.Socket write", (s) => void s.write(frame)]];
  if (WriteWrap !== undefined)
    writers.push([
      "handle.writeBuffer",
      (s) => {
        const handle = (s as unknown as { _handle: StreamHandle })._handle;
        const req = new WriteWrap();
        req.handle = handle;
        req.oncomplete = oncomplete;
        req.async = false;
        handle.writeBuffer(req, frame);
      },
    ]);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await pause(300);
  for (const [name, write] of writers) {
    const cpu0 = process.cpuUsage();
    await new Promise<void>((resolve) => {
      let turn = 0;
      const step = () => {
        for (let i = 0; i < n; i++) write(sockets[i]!);
        if (++turn < turns) setImmediate(step);
        else resolve();
      };
      step();
    });
    const cpu = process.cpuUsage(cpu0);
    const writes = n * turns;
    console.log(
      `${name}: ${turns} turns × ${n} sockets: ${(cpu.user / writes).toFixed(2)} µs user + ` +
        `${(cpu.system / writes).toFixed(2)} µs system per write`,
    );
    const walls: string[] = [];
    for (let r = 0; r < singles; r++) {
      await pause(200);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) write(sockets[i]!);
      walls.push((performance.now() - t0).toFixed(0));
    }
    console.log(`${name}: one write to each of ${n} sockets, after a pause: ${walls.join(", ")} ms`);
  }
  for (const child of children) child.disconnect();
  for (const s of sockets) s.destroy();
  server.close();
}

if (process.argv.includes(CHILD)) runChild();
else await main();
