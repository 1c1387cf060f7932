/**
 * CPU of the Socket.IO layer alone (server + adapter, no engine I/O), `@plexus/server` against
 * `socket.io` in one run (issue 6; DESIGN.md principle 5). Each server is bound (`io.bind`, public API
 * of both) to an in-process stand-in engine whose connections record writes instead of sending them,
 * so no syscall, no network and no client share the CPU being measured: the numbers are repeatable on
 * a loaded machine, which end-to-end rates are not. Each implementation runs in its own process (this
 * file with `--child`), rounds are interleaved, the median is printed with the ratio to the first.
 *
 *   node --conditions=source --import tsx bench/server-layer-cpu.ts [--rounds 5] [--quick]
 *        [--only connect,echo,emit,room,multi-room] [--impl socket.io --impl plexus]
 *
 * What the stand-in engine does is what both layers need from a real one: Plexus broadcasts go through
 * `PreparedPacket` (framed once for WebSocket on the first recipient), socket.io's adapter frames with
 * `ws` itself (`wsPreEncodedFrame`). Both layers defer work by `process.nextTick` in places (socket.io
 * dispatches events and connects a tick later): each batch of operations ends with a macrotask turn so
 * all of it is inside the measured CPU time.
 * - connect:    engine connection + CONNECT to `/` (+ the application's two `socket.on`); µs per connection.
 * - echo:       client `2<id>["echo",payload]` in, listener acks, `3<id>[payload]` written; µs per round trip.
 * - emit / room / multi-room: `io.emit`, `io.to("r").emit`, `io.to(["r","s"]).emit` (every socket in both
 *               rooms) to 1,000 sockets; µs per delivery.
 */
import { fork } from "node:child_process";
import { EventEmitter } from "node:events";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { ImplName } from "./control-messages.js";
import { connectedSockets, onEchoConnection } from "./echo-application.js";
import { parseHotPathOptions } from "./hot-path-options.js";
import { printRatioRows } from "./print-ratio-rows.js";
import { CONNECT_MAIN_DATA, echoEventData } from "./raw-wire.js";
import { tsxExecArgv } from "./tsx-exec-argv.js";

const PAYLOAD = "hello world, a typical small event payload";
const BATCH = 1000;

// ---------------------------------------------------------------------------------------------------
// Child: one implementation on a stand-in engine
// ---------------------------------------------------------------------------------------------------

let writes = 0;
let sid = 0;

/** An engine connection as both layers use it (engine.io's `Socket` surface and Plexus's). */
class StandInConnection extends EventEmitter {
  readonly id = `e${sid++}`;
  readonly protocol = 4;
  readyState = "open";
  readonly transport = { name: "websocket", writable: true };
  readonly remoteAddress = "127.0.0.1";
  readonly request = {
    headers: { host: "127.0.0.1" },
    url: "/socket.io/?EIO=4&transport=websocket",
    method: "GET",
    connection: { encrypted: false, remoteAddress: "127.0.0.1" },
    _query: { EIO: "4", transport: "websocket" },
  };
  readonly handshake = {
    headers: this.request.headers,
    time: new Date().toString(),
    address: "127.0.0.1",
    xdomain: false,
    secure: false,
    issued: Date.now(),
    url: this.request.url,
    query: this.request._query,
  };
  write(_data: unknown, _options?: unknown): this {
    writes++;
    return this;
  }
  send(data: unknown, options?: unknown): this {
    return this.write(data, options);
  }
  sendPrepared(prepared: { webSocketFrames: unknown }, _volatile?: boolean): boolean {
    // The bytes a real WebSocket session writes (framed once, on the first recipient).
    void prepared.webSocketFrames;
    writes++;
    return true;
  }
  close(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.emit("close", "forced close");
  }
}

interface BenchSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  join(rooms: string[]): unknown;
}

interface BenchIo {
  bind(engine: unknown): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  to(room: string | string[]): { emit(event: string, ...args: unknown[]): unknown };
  sockets: { sockets: Map<string, BenchSocket> };
}

async function child(impl: ImplName): Promise<void> {
  const engine = new EventEmitter() as EventEmitter & { prepare?: unknown; close(): void };
  engine.close = () => {};
  let io: BenchIo;
  // engine.io's connections emit "data" (and "message"); Plexus listens to "message".
  let dataEvent: string;
  if (impl === "plexus") {
    const { Server } = await import("@plexus/server");
    const { PreparedPacket } = await import("@plexus/engine");
    engine.prepare = (messages: string[], options: { compress?: boolean }) =>
      new PreparedPacket(messages, options);
    io = new Server({ serveClient: false }) as unknown as BenchIo;
    dataEvent = "message";
  } else {
    const { Server } = await import("socket.io");
    io = new Server({ serveClient: false }) as unknown as BenchIo;
    dataEvent = "data";
  }
  io.bind(engine);
  io.on("connection", onEchoConnection);
  const conns: StandInConnection[] = [];

  const cpu = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };

  async function connect(n: number): Promise<void> {
    for (let i = 0; i < n; i += BATCH) {
      for (let j = 0; j < BATCH && i + j < n; j++) {
        const conn = new StandInConnection();
        conns.push(conn);
        engine.emit("connection", conn);
        conn.emit(dataEvent, CONNECT_MAIN_DATA);
      }
      await nextTurn();
    }
  }

  const handlers: { [cmd: string]: (n: number) => Promise<number> } = {
    async connect(n) {
      const c0 = cpu();
      const before = connectedSockets();
      await connect(n);
      const used = cpu() - c0;
      if (connectedSockets() - before !== n)
        throw new Error(`${impl}: ${connectedSockets() - before} of ${n} connected`);
      return used / n;
    },
    async echo(n) {
      if (conns.length === 0) await connect(100);
      const w0 = writes;
      const c0 = cpu();
      let id = 0;
      for (let i = 0; i < n; i += BATCH) {
        for (let j = 0; j < BATCH && i + j < n; j++) {
          conns[(i + j) % conns.length]!.emit(dataEvent, echoEventData(id++, PAYLOAD));
        }
        await nextTurn();
      }
      const used = cpu() - c0;
      if (writes - w0 !== n) throw new Error(`${impl}: ${writes - w0} acks for ${n} events`);
      return used / n;
    },
    async emit(n) {
      return broadcast(n, () => io.emit("b", 1, PAYLOAD));
    },
    async room(n) {
      return broadcast(n, () => io.to("r").emit("b", 1, PAYLOAD));
    },
    async "multi-room"(n) {
      return broadcast(n, () => io.to(["r", "s"]).emit("b", 1, PAYLOAD));
    },
  };

  async function broadcast(emits: number, emit: () => void): Promise<number> {
    if (conns.length === 0) {
      await connect(1000);
      for (const socket of io.sockets.sockets.values()) socket.join(["r", "s"]);
    }
    const w0 = writes;
    const c0 = cpu();
    for (let i = 0; i < emits; i++) {
      emit();
      if (i % 10 === 9) await nextTurn();
    }
    await nextTurn();
    const used = cpu() - c0;
    const delivered = writes - w0;
    if (delivered !== emits * conns.length) throw new Error(`${impl}: ${delivered} deliveries`);
    return used / delivered;
  }

  process.on("message", (m: { cmd: string; n: number }) => {
    if (m.cmd === "exit") process.exit(0);
    const run = async (): Promise<void> => {
      const handler = handlers[m.cmd]!;
      await handler(Math.max(1, Math.round(m.n / 4))); // warm-up (JIT)
      process.send!({ value: await handler(m.n) });
    };
    run().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  process.send!({ ready: true });
}

// ---------------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------------

async function measure(impl: ImplName, cmd: string, n: number): Promise<number> {
  const proc = fork(new URL(import.meta.url).pathname, ["--child", impl], {
    // e.g. SERVER_LAYER_FLAGS="--cpu-prof --cpu-prof-dir=bench/results/profiles" to profile the children.
    execArgv: tsxExecArgv("SERVER_LAYER_FLAGS"),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      proc.on("message", (m: { ready?: boolean; value?: number }) => {
        if (m.ready === true) proc.send({ cmd, n });
        else if (m.value !== undefined) resolve(m.value);
      });
      proc.once("exit", (code) => reject(new Error(`${impl} exited (${code}) during ${cmd}`)));
    });
  } finally {
    proc.send({ cmd: "exit" });
  }
}

async function main(): Promise<void> {
  const { only, rounds, scale: q, impls: given } = parseHotPathOptions(5);
  const impls = (given as ImplName[] | undefined) ?? ["socket.io", "plexus"];
  const scenarios: [name: string, unit: string, n: number][] = [
    ["connect", "µs CPU / connection", 20_000],
    ["echo", "µs CPU / round trip", 100_000],
    ["emit", "µs CPU / delivery", 4000],
    ["room", "µs CPU / delivery", 4000],
    ["multi-room", "µs CPU / delivery", 4000],
  ];
  for (const [name, unit, n] of scenarios) {
    if (only !== undefined && !only.includes(name)) continue;
    const results = new Map<ImplName, number[]>(impls.map((i) => [i, []]));
    for (let r = 0; r < rounds; r++) {
      for (const impl of impls) results.get(impl)!.push(await measure(impl, name, Math.round(n * q)));
    }
    printRatioRows(name, unit, impls, results, 3);
  }
}

const childIndex = process.argv.indexOf("--child");
if (childIndex !== -1) await child(process.argv[childIndex + 1] as ImplName);
else await main();
