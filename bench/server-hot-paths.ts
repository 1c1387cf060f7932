/**
 * Socket.IO-level hot paths, `@plexus/server` against `socket.io` in one run (issue 6; DESIGN.md
 * principle 5). Each implementation runs in its own server process (this file with `--child`) and
 * reports its own `process.cpuUsage()` over IPC, so the clients' CPU (raw `ws` clients in this process)
 * is not counted. CPU time per operation is far less sensitive to a loaded machine than rates are.
 *
 *   node --conditions=source --import tsx bench/server-hot-paths.ts [--only connect,echo,emit,room,multi-room]
 *        [--rounds 3] [--quick] [--impl plexus --impl socket.io]
 *
 * An implementation may be given as `plexus@<dir>`: the server then runs from another copy of this
 * repository (its own `bench/server-hot-paths.ts` and `@plexus/*` packages), so two versions of Plexus
 * are compared interleaved in one run (e.g. `--impl plexus@../before --impl plexus`).
 *
 * Paths (interleaved per round, median of the rounds; the application is the same for both):
 * - connect:    handshake + CONNECT to `/` (the application registers two listeners); CPU per connection.
 * - echo:       `socket.emit("echo", payload, ack)` from 50 clients, one in flight each; the listener acks;
 *               CPU per round trip (decode, dispatch, ack closure, encode, engine write).
 * - emit:       `io.emit("b", seq, payload)` to 500 clients, one emit per tick; CPU per delivery.
 * - room:       `io.to("r").emit(...)` where every client is in room `r`; CPU per delivery.
 * - multi-room: `io.to(["r", "s"]).emit(...)`, every client in both rooms (one copy each); CPU per delivery.
 * - relay:      a chat burst: 100 of the 500 clients each send one `relay` event at once and the listener
 *               rebroadcasts each with `io.emit` (messages read in one event-loop iteration may share their
 *               recipients' writes); CPU per delivery.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve as resolvePath } from "node:path";
import WebSocket from "ws";
import type { ImplName } from "./control-messages.js";
import { connectedSockets, onEchoConnection } from "./echo-application.js";
import { parseHotPathOptions } from "./hot-path-options.js";
import { ipcAsk } from "./ipc-ask.js";
import { printRatioRows } from "./print-ratio-rows.js";
import {
  CONNECT_MAIN_FRAME,
  EngineByte,
  echoEventData,
  engineQuery,
  PONG_TEXT,
  readAckId,
  SocketByte,
} from "./raw-wire.js";
import { type BenchEmitter, type BenchSocketServer, loadImplementation } from "./target-implementations.js";
import { tsxExecArgv } from "./tsx-exec-argv.js";

const PAYLOAD = "hello world, a typical small event payload";

// ---------------------------------------------------------------------------------------------------
// Child: one server
// ---------------------------------------------------------------------------------------------------

interface JoiningSocket extends BenchEmitter {
  join(rooms: string | string[]): unknown;
}

interface RoomServer extends BenchSocketServer {
  to(room: string | string[]): { emit(event: string, ...args: unknown[]): unknown };
}

async function child(impl: ImplName): Promise<void> {
  const http = createServer();
  const loaded = await loadImplementation(impl, "socket");
  const io = loaded.attachSocketServer!(http, { pingInterval: 300_000, pingTimeout: 300_000 }) as RoomServer;
  io.on("connection", onEchoConnection);
  io.on("connection", (...args: unknown[]) => {
    (args[0] as BenchEmitter).on("relay", (...a: unknown[]) => io.emit("m", a[0], a[1]));
  });
  await new Promise<void>((resolve) => http.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  process.on("message", (m: { cmd: string; mode?: string; count?: number }) => {
    if (m.cmd === "cpu") {
      const u = process.cpuUsage();
      process.send!({ cpu: u.user + u.system, connected: connectedSockets() });
    } else if (m.cmd === "join") {
      const sockets = (io as unknown as { sockets: { sockets: Map<string, JoiningSocket> } }).sockets.sockets;
      for (const socket of sockets.values()) socket.join(["r", "s"]);
      process.send!({ joined: sockets.size });
    } else if (m.cmd === "broadcast") {
      let left = m.count!;
      let seq = 0;
      const emit =
        m.mode === "room"
          ? () => io.to("r").emit("b", seq++, PAYLOAD)
          : m.mode === "multi-room"
            ? () => io.to(["r", "s"]).emit("b", seq++, PAYLOAD)
            : () => io.emit("b", seq++, PAYLOAD);
      const tick = (): void => {
        emit();
        if (--left > 0) setImmediate(tick);
        else process.send!({ done: true });
      };
      tick();
    } else if (m.cmd === "exit") process.exit(0);
  });
  process.send!({ port: (http.address() as AddressInfo).port, path: loaded.path });
}

// ---------------------------------------------------------------------------------------------------
// Parent: clients and measurements
// ---------------------------------------------------------------------------------------------------

interface Target {
  readonly port: number;
  readonly path: string;
  ask<T>(cmd: object): Promise<T>;
  stop(): void;
}

/** `name` or `name@<repository copy>`. */
type ImplSpec = string;

async function startTarget(spec: ImplSpec): Promise<Target> {
  const at = spec.indexOf("@", 1);
  const impl = (at === -1 ? spec : spec.slice(0, at)) as ImplName;
  const script =
    at === -1
      ? new URL(import.meta.url).pathname
      : resolvePath(spec.slice(at + 1), "bench/server-hot-paths.ts");
  const proc = fork(script, ["--child", impl], {
    execArgv: tsxExecArgv("HOT_PATHS_SERVER_FLAGS"),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { port, path } = await new Promise<{ port: number; path: string }>((resolve, reject) => {
    proc.once("message", (m: { port: number; path: string }) => resolve(m));
    proc.once("exit", (code) => reject(new Error(`${impl} server exited (${code})`)));
  });
  return {
    port,
    path,
    ask: <T>(cmd: object) => ipcAsk<T>(proc, cmd),
    stop: () => proc.send({ cmd: "exit" }),
  };
}

type OnMessage = (ws: WebSocket, data: Buffer) => void;

function openClient(t: Target, onMessage: OnMessage): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}${t.path}${engineQuery("websocket")}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    ws.once("error", reject);
    ws.on("message", (raw) => {
      const data = raw as Buffer;
      const c0 = data[0];
      if (c0 === EngineByte.OPEN) ws.send(CONNECT_MAIN_FRAME);
      else if (c0 === EngineByte.PING) ws.send(PONG_TEXT);
      else if (c0 === EngineByte.MESSAGE && data[1] === SocketByte.CONNECT) resolve(ws);
      else onMessage(ws, data);
    });
  });
}

async function openClients(t: Target, n: number, onMessage: OnMessage): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Math.min(100, n - i);
    out.push(...(await Promise.all(Array.from({ length: batch }, () => openClient(t, onMessage)))));
  }
  return out;
}

async function cpuNow(t: Target): Promise<number> {
  return (await t.ask<{ cpu: number }>({ cmd: "cpu" })).cpu;
}

const settle = () => new Promise((r) => setTimeout(r, 50));

/** Server CPU per connection: `n` connections after a warm-up batch. */
async function connectCpu(t: Target, n: number): Promise<number> {
  const warm = await openClients(t, 200, () => {});
  const c0 = await cpuNow(t);
  const list = await openClients(t, n, () => {});
  await settle();
  const cpu = (await cpuNow(t)) - c0;
  for (const ws of [...warm, ...list]) ws.terminate();
  return cpu / n;
}

/** Server CPU per echo round trip: `clients` keep one emit-with-ack in flight each until `total` acks. */
async function echoCpu(t: Target, clients: number, total: number): Promise<number> {
  let done = 0;
  let target = 0;
  let nextId = 0;
  let finish: () => void = () => {};
  const onMessage: OnMessage = (ws, data) => {
    if (data[0] !== EngineByte.MESSAGE || data[1] !== SocketByte.ACK) return;
    readAckId(data, 2);
    if (++done >= target) finish();
    else ws.send(`4${echoEventData(nextId++, PAYLOAD)}`);
  };
  const list = await openClients(t, clients, onMessage);
  const run = async (n: number): Promise<number> => {
    done = 0;
    target = n;
    const c0 = await cpuNow(t);
    await new Promise<void>((resolve) => {
      finish = resolve;
      for (const ws of list) ws.send(`4${echoEventData(nextId++, PAYLOAD)}`);
    });
    await settle();
    return ((await cpuNow(t)) - c0) / done;
  };
  await run(Math.min(total, 5000));
  const perRound = await run(total);
  for (const ws of list) ws.terminate();
  return perRound;
}

/** Counts the events (`42…`) the clients receive: `expect(n)` resolves once `n` more have arrived. */
function eventCounter(): { onMessage: OnMessage; expect(n: number): Promise<void> } {
  let left = 0;
  let finish: () => void = () => {};
  return {
    onMessage: (_ws, data) => {
      if (data[0] !== EngineByte.MESSAGE || data[1] !== SocketByte.EVENT) return;
      if (--left === 0) finish();
    },
    expect: (n) => {
      left = n;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
  };
}

/** Server CPU per delivery: `emits` broadcasts (one per tick) to `clients`. */
async function broadcastCpu(t: Target, mode: string, clients: number, emits: number): Promise<number> {
  const events = eventCounter();
  const list = await openClients(t, clients, events.onMessage);
  if (mode !== "emit") await t.ask({ cmd: "join" });
  const run = async (count: number): Promise<number> => {
    const all = events.expect(count * clients);
    const c0 = await cpuNow(t);
    await t.ask({ cmd: "broadcast", mode, count });
    await all;
    await settle();
    return ((await cpuNow(t)) - c0) / (count * clients);
  };
  await run(Math.max(5, emits >> 2));
  const perDelivery = await run(emits);
  for (const ws of list) ws.terminate();
  return perDelivery;
}

/**
 * Server CPU per delivery of a chat burst: in each of `rounds` rounds, `senders` of the `clients` send one
 * `relay` event at once; the server rebroadcasts each to every client (`senders × clients` deliveries).
 */
async function relayCpu(t: Target, clients: number, senders: number, rounds: number): Promise<number> {
  const events = eventCounter();
  const list = await openClients(t, clients, events.onMessage);
  const from = list.slice(0, senders);
  const run = async (count: number): Promise<number> => {
    const c0 = await cpuNow(t);
    for (let r = 0; r < count; r++) {
      const all = events.expect(senders * clients);
      for (let i = 0; i < from.length; i++) from[i]!.send(`42["relay",${i},"${PAYLOAD}"]`);
      await all;
    }
    await settle();
    return ((await cpuNow(t)) - c0) / (count * senders * clients);
  };
  await run(Math.max(2, rounds >> 2));
  const perDelivery = await run(rounds);
  for (const ws of list) ws.terminate();
  return perDelivery;
}

async function main(): Promise<void> {
  const { only, rounds, scale: q, impls: given } = parseHotPathOptions(3);
  const impls: ImplSpec[] = given ?? ["socket.io", "plexus"];
  const scenarios: { name: string; unit: string; run(t: Target): Promise<number> }[] = [
    { name: "connect", unit: "µs CPU / connection", run: (t) => connectCpu(t, Math.round(2000 * q)) },
    { name: "echo", unit: "µs CPU / round trip", run: (t) => echoCpu(t, 50, Math.round(40_000 * q)) },
    {
      name: "emit",
      unit: "µs CPU / delivery",
      run: (t) => broadcastCpu(t, "emit", 500, Math.round(200 * q)),
    },
    {
      name: "room",
      unit: "µs CPU / delivery",
      run: (t) => broadcastCpu(t, "room", 500, Math.round(200 * q)),
    },
    {
      name: "multi-room",
      unit: "µs CPU / delivery",
      run: (t) => broadcastCpu(t, "multi-room", 500, Math.round(200 * q)),
    },
    { name: "relay", unit: "µs CPU / delivery", run: (t) => relayCpu(t, 500, 100, Math.round(20 * q)) },
  ];
  for (const s of scenarios) {
    if (only !== undefined && !only.includes(s.name)) continue;
    const results = new Map<ImplSpec, number[]>(impls.map((i) => [i, []]));
    for (let r = 0; r < rounds; r++) {
      for (const impl of impls) {
        const t = await startTarget(impl);
        try {
          results.get(impl)!.push(await s.run(t));
        } finally {
          t.stop();
        }
      }
    }
    printRatioRows(s.name, s.unit, impls, results, 2);
  }
}

const childIndex = process.argv.indexOf("--child");
if (childIndex !== -1) await child(process.argv[childIndex + 1] as ImplName);
else await main();
