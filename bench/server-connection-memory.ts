/**
 * Heap per idle WebSocket connection, object by object (issue 6; DESIGN.md principles 1 and 5): each
 * target runs in its own server process (this file with `--child`), the clients (raw `ws`, in this
 * process) connect `--warm` connections, the server writes a heap snapshot, `--count` more connect, a
 * second snapshot; the difference of the two inventories divided by `--count` is what one connection
 * costs, per constructor. Deterministic enough on a loaded machine: no timing is involved.
 *
 *   node --conditions=source --import tsx bench/server-connection-memory.ts [--count 2000] [--warm 200]
 *        [--target plexus,plexus-engine,socket.io,engine.io] [--top 25] [--by-retainer]
 *
 * Targets: `plexus` / `socket.io` (Socket.IO level: handshake + CONNECT to `/`, the application registers
 * two listeners per socket as `bench/target-server.ts` does), `plexus-engine` / `engine.io` (bare engines).
 * `--by-retainer` splits each kind by the field holding it (`object:Object <- object:Socket._events`).
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeHeapSnapshot } from "node:v8";
import WebSocket from "ws";
import type { ImplName, ServerLevel } from "./control-messages.js";
import { connectedSockets, onEchoConnection, onEngineConnection } from "./echo-application.js";
import { type Inventory, perUnit, readInventory, totalBytes } from "./heap-snapshot-inventory.js";
import { CONNECT_MAIN_FRAME, EngineByte, engineQuery, PONG_TEXT, SocketByte } from "./raw-wire.js";
import { loadImplementation } from "./target-implementations.js";

const TARGETS: { readonly [name: string]: { impl: ImplName; level: ServerLevel } } = {
  plexus: { impl: "plexus", level: "socket" },
  "socket.io": { impl: "socket.io", level: "socket" },
  "plexus-engine": { impl: "plexus", level: "engine" },
  "engine.io": { impl: "socket.io", level: "engine" },
};

// ---------------------------------------------------------------------------------------------------
// Child: one server
// ---------------------------------------------------------------------------------------------------

async function child(target: string, dir: string): Promise<void> {
  const { impl, level } = TARGETS[target]!;
  const http = createServer();
  const loaded = await loadImplementation(impl, level);
  const options = { pingInterval: 300_000, pingTimeout: 300_000 };
  if (level === "socket") loaded.attachSocketServer!(http, options).on("connection", onEchoConnection);
  else loaded.attachEngine!(http, options).on("connection", onEngineConnection);
  await new Promise<void>((resolve) => http.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  const gc = (globalThis as { gc?: () => void }).gc!;
  let n = 0;
  process.on("message", (m: { cmd: string }) => {
    if (m.cmd === "snapshot") {
      gc();
      setImmediate(() => {
        gc();
        const heap = process.memoryUsage().heapUsed;
        const file = writeHeapSnapshot(join(dir, `${target}-${n++}.heapsnapshot`));
        process.send!({ file, heap, connected: connectedSockets() });
      });
    } else if (m.cmd === "exit") process.exit(0);
  });
  process.send!({ port: (http.address() as AddressInfo).port, path: loaded.path });
}

// ---------------------------------------------------------------------------------------------------
// Parent: clients and inventories
// ---------------------------------------------------------------------------------------------------

function openClient(port: number, path: string, socketLevel: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}${engineQuery("websocket")}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    ws.once("error", reject);
    ws.on("message", (raw) => {
      const data = raw as Buffer;
      if (data[0] === EngineByte.OPEN) {
        if (socketLevel) ws.send(CONNECT_MAIN_FRAME);
        else resolve(ws);
      } else if (data[0] === EngineByte.PING) ws.send(PONG_TEXT);
      else if (data[0] === EngineByte.MESSAGE && data[1] === SocketByte.CONNECT) resolve(ws);
    });
  });
}

async function connect(port: number, path: string, socketLevel: boolean, n: number, out: WebSocket[]) {
  for (let i = 0; i < n; i += 100) {
    const batch = Math.min(100, n - i);
    out.push(
      ...(await Promise.all(Array.from({ length: batch }, () => openClient(port, path, socketLevel)))),
    );
  }
}

interface Snap {
  file: string;
  heap: number;
  connected: number;
}

async function measure(target: string, count: number, warm: number, dir: string, byRetainer: boolean) {
  const proc = fork(new URL(import.meta.url).pathname, ["--child", target, dir], {
    execArgv: ["--expose-gc", "--conditions=source", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ask = <T>(cmd: object): Promise<T> =>
    new Promise((resolve) => {
      proc.once("message", (m: T) => resolve(m));
      proc.send(cmd);
    });
  const { port, path } = await new Promise<{ port: number; path: string }>((resolve, reject) => {
    proc.once("message", (m: { port: number; path: string }) => resolve(m));
    proc.once("exit", (code) => reject(new Error(`${target} server exited (${code})`)));
  });
  const socketLevel = TARGETS[target]!.level === "socket";
  const clients: WebSocket[] = [];
  try {
    await connect(port, path, socketLevel, warm, clients);
    const s0 = await ask<Snap>({ cmd: "snapshot" });
    await connect(port, path, socketLevel, count, clients);
    const s1 = await ask<Snap>({ cmd: "snapshot" });
    if (s1.connected - s0.connected !== count)
      throw new Error(`${target}: ${s1.connected - s0.connected} joined`);
    const before: Inventory = readInventory(s0.file, byRetainer);
    const after: Inventory = readInventory(s1.file, byRetainer);
    rmSync(s0.file);
    rmSync(s1.file);
    return {
      heapUsed: (s1.heap - s0.heap) / count,
      selfSize: (totalBytes(after) - totalBytes(before)) / count,
      rows: perUnit(before, after, count),
    };
  } finally {
    for (const ws of clients) ws.terminate();
    proc.send({ cmd: "exit" });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "2000" },
      warm: { type: "string", default: "200" },
      target: { type: "string", default: "plexus,plexus-engine,socket.io" },
      top: { type: "string", default: "25" },
      "by-retainer": { type: "boolean", default: false },
    },
  });
  const count = Number(values.count);
  const warm = Number(values.warm);
  const top = Number(values.top);
  const dir = mkdtempSync(join(tmpdir(), "plexus-heap-"));
  const totals: string[] = [];
  try {
    for (const target of values.target.split(",")) {
      if (TARGETS[target] === undefined) throw new Error(`unknown target ${target}`);
      const r = await measure(target, count, warm, dir, values["by-retainer"]);
      console.log(`\n${target}: ${count} idle WebSocket connections (after ${warm})`);
      console.log(
        `  heapUsed ${(r.heapUsed / 1024).toFixed(2)} KB / connection, snapshot self size ${(r.selfSize / 1024).toFixed(2)} KB`,
      );
      console.log(`  ${"objects / connection".padStart(20)} ${"bytes".padStart(8)}  kind`);
      for (const row of r.rows.slice(0, top)) {
        console.log(
          `  ${row.count.toFixed(2).padStart(20)} ${row.bytes.toFixed(0).padStart(8)}  ${row.kind}`,
        );
      }
      totals.push(
        `${target.padEnd(14)} heapUsed ${(r.heapUsed / 1024).toFixed(2)} KB   self ${(r.selfSize / 1024).toFixed(2)} KB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nper connection:\n  ${totals.join("\n  ")}`);
}

const childIndex = process.argv.indexOf("--child");
if (childIndex !== -1) await child(process.argv[childIndex + 1]!, process.argv[childIndex + 2]!);
else await main();
