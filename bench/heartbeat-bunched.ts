/**
 * Heartbeat CPU when every session's pings fall due together: N clients connect within about half a
 * second, so Plexus's per-session ping deadlines bunch up the way the bare-ws floor's single `setInterval`
 * does. Separates per-ping work from batching in the "heartbeat" row of the side-by-side bench (there the
 * connections come over a ramp, so Plexus's pings are spread while the floor's are not).
 *
 *   node --conditions=source --import tsx bench/heartbeat-bunched.ts [--impl plexus|ws] [--clients 5000]
 *        [--interval 5000] [--intervals 3]
 *
 * Runs the server in a child process (this file with `--server`), two client processes of plain `ws`
 * clients answering `2` with `3` (this file with `--clients-child`), waits until all joined plus two
 * intervals, then prints the server's own CPU per client per ping interval over `--intervals` intervals.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { ipcAsk } from "./ipc-ask.js";

const self = new URL(import.meta.url).pathname;
const argv = process.argv.slice(2);

async function serverChild(impl: string, interval: number): Promise<void> {
  const http = createServer();
  let joined = 0;
  const onConnection = () => {
    joined++;
  };
  const options = { pingInterval: interval, pingTimeout: interval };
  if (impl === "plexus") {
    const { Server } = await import("@plexus/server");
    new Server(http, options).on("connection", onConnection);
  } else {
    const { attachBareServer } = await import("./bare-ws-server.js");
    attachBareServer(http, "/socket.io/", options).on("connection", onConnection);
  }
  http.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
    const address = http.address();
    process.send?.({ port: typeof address === "object" && address !== null ? address.port : 0 });
  });
  // One reply per command (`ipcAsk`): the joined count and the process's CPU so far (µs).
  process.on("message", () => {
    const c = process.cpuUsage();
    process.send?.({ joined, cpu: c.user + c.system });
  });
  process.on("disconnect", () => process.exit(0));
}

function clientsChild(port: string, count: number, address: string): void {
  let started = 0;
  const one = () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      localAddress: address,
      perMessageDeflate: false,
    });
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0x30) ws.send("40");
      else if (data[0] === 0x32) ws.send("3");
    });
    ws.on("error", () => {});
  };
  const batch = () => {
    for (let k = 0; k < 250 && started < count; k++, started++) one();
    if (started < count) setTimeout(batch, 20);
  };
  batch();
  process.on("disconnect", () => process.exit(0));
}

interface Reading {
  readonly joined: number;
  readonly cpu: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      impl: { type: "string", default: "plexus" },
      clients: { type: "string", default: "5000" },
      interval: { type: "string", default: "5000" },
      intervals: { type: "string", default: "3" },
    },
  });
  const n = Number(values.clients);
  const interval = Number(values.interval);
  const intervals = Number(values.intervals);
  const server = fork(self, ["--server", values.impl, String(interval)], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) =>
    server.once("message", (m) => resolve((m as { port: number }).port)),
  );
  const half = Math.ceil(n / 2);
  const clients = [0, 1].map((i) =>
    fork(self, ["--clients-child", String(port), String(i === 0 ? half : n - half), `127.0.8.${2 + i}`], {
      execArgv: process.execArgv,
    }),
  );
  try {
    const deadline = Date.now() + 60_000;
    while ((await ipcAsk<Reading>(server, {})).joined < n) {
      if (Date.now() > deadline) throw new Error("clients did not all join within 60 s");
      await sleep(200);
    }
    await sleep(2 * interval);
    const before = (await ipcAsk<Reading>(server, {})).cpu;
    await sleep(intervals * interval);
    const after = (await ipcAsk<Reading>(server, {})).cpu;
    const perClient = (after - before) / n / intervals;
    console.log(
      `${values.impl}: ${perClient.toFixed(1)} µs server CPU per client per ${interval} ms ping interval ` +
        `(${n} clients, joined within a moment, ${intervals} intervals)`,
    );
  } finally {
    for (const c of clients) c.kill();
    server.kill();
  }
}

if (argv[0] === "--server") await serverChild(argv[1]!, Number(argv[2]));
else if (argv[0] === "--clients-child") clientsChild(argv[1]!, Number(argv[2]), argv[3]!);
else await main();
