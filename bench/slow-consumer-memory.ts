/**
 * What one slow consumer costs a Plexus server in memory, for several `maxOutboundBytes` values: the
 * review of that option's default (issue 17). For each limit, a fresh server process (`@plexus/server`)
 * emits 64 KiB events to its one client as fast as it can; the client (this process, a raw TCP WebSocket)
 * completes the handshake and then never reads. The server samples its own `process.memoryUsage()` every
 * 10 ms until the session closes with "slow consumer", and again after two full GCs once the socket is gone.
 *
 *   node --conditions=source --import tsx bench/slow-consumer-memory.ts [--limits 1,4,16] [--payload 65536] [--char €]
 *
 * Printed per limit: time to the close, peak RSS and heap above the idle server, and RSS / heap left above
 * idle after GC. Loopback only, one connection, stops by itself.
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { connect } from "node:net";
import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const MB = 1024 * 1024;

interface Sample {
  readonly limitMiB: number;
  readonly closeReason: string;
  readonly msToClose: number;
  readonly idleRss: number;
  readonly idleHeap: number;
  readonly peakRss: number;
  readonly peakHeap: number;
  readonly peakExternal: number;
  readonly afterRss: number;
  readonly afterHeap: number;
}

async function collect(): Promise<{ rss: number; heap: number }> {
  const gc = globalThis.gc!;
  gc();
  await turn();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** The server side: one process per limit, reports one Sample and exits. */
async function serve(limitMiB: number, payloadBytes: number, char: string): Promise<void> {
  const { Server } = await import("@plexus/server");
  const http = createServer();
  const io = new Server(http, { maxOutboundBytes: limitMiB * MB });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const idle = await collect();
  const port = (http.address() as { port: number }).port;
  const payload = char.repeat(payloadBytes);
  io.on("connection", (socket) => {
    const started = performance.now();
    let peakRss = 0;
    let peakHeap = 0;
    let peakExternal = 0;
    let open = true;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
    }, 10);
    socket.on("disconnect", async (reason: string) => {
      open = false;
      const msToClose = performance.now() - started;
      clearInterval(sampler);
      // The close frame waits up to closeTimeout (10 s) for the peer; the client destroys its socket then.
      process.send!({ type: "closed" });
      await sleep(500);
      const after = await collect();
      const sample: Sample = {
        limitMiB,
        closeReason: reason,
        msToClose,
        idleRss: idle.rss,
        idleHeap: idle.heap,
        peakRss,
        peakHeap,
        peakExternal,
        afterRss: after.rss,
        afterHeap: after.heap,
      };
      process.send!({ type: "sample", sample }, () => process.exit(0));
    });
    const pump = async () => {
      while (open) {
        socket.emit("x", payload);
        await turn();
      }
    };
    void pump();
  });
  process.send!({ type: "ready", port });
}

async function measure(limitMiB: number, payloadBytes: number, char: string): Promise<Sample> {
  const args = ["--serve", String(limitMiB), "--payload", String(payloadBytes), "--char", char];
  const child = fork(fileURLToPath(import.meta.url), args, {
    execArgv: ["--expose-gc", "--conditions=source", "--import", "tsx"],
  });
  const messages: { type: string; port?: number; sample?: Sample }[] = [];
  let wake: (() => void) | undefined;
  child.on("message", (m: { type: string }) => {
    messages.push(m);
    wake?.();
  });
  const next = async (type: string) => {
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i >= 0) return messages.splice(i, 1)[0]!;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  const { port } = await next("ready");
  const socket = connect(port!, "127.0.0.1");
  socket.write(
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  await once(socket, "data");
  // Socket.IO CONNECT to "/" (a masked text frame "40"), then never read again.
  socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]));
  socket.pause();
  await next("closed");
  socket.destroy();
  const { sample } = await next("sample");
  await once(child, "exit");
  return sample!;
}

const { values } = parseArgs({
  options: {
    serve: { type: "string" },
    payload: { type: "string", default: "65536" },
    limits: { type: "string", default: "1,4,16" },
    /** The payload's character: `p` makes one-byte strings in V8, `€` two-byte ones (twice the heap per char). */
    char: { type: "string", default: "p" },
  },
});
if (values.serve !== undefined) {
  await serve(Number(values.serve), Number(values.payload), values.char);
} else {
  const rows = [
    "| maxOutboundBytes | closed after | peak RSS above idle | peak heap above idle | peak external | RSS / heap above idle after GC |",
    "|---:|---:|---:|---:|---:|---:|",
  ];
  for (const limit of values.limits.split(",").map(Number)) {
    const s = await measure(limit, Number(values.payload), values.char);
    rows.push(
      `| ${limit} MiB | ${Math.round(s.msToClose)} ms (${s.closeReason}) | ${((s.peakRss - s.idleRss) / MB).toFixed(1)} MB | ` +
        `${((s.peakHeap - s.idleHeap) / MB).toFixed(1)} MB | ${(s.peakExternal / MB).toFixed(1)} MB | ` +
        `${((s.afterRss - s.idleRss) / MB).toFixed(1)} / ${((s.afterHeap - s.idleHeap) / MB).toFixed(1)} MB |`,
    );
    console.error(rows.at(-1));
  }
  console.log(rows.join("\n"));
}
