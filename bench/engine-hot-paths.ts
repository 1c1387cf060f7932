/**
 * Engine hot paths, `@plexus/engine` against `engine.io` in one run (issue 6; DESIGN.md principle 5).
 * Each implementation runs in its own server process (this file with `--child`) and reports its own
 * `process.cpuUsage()` / `memoryUsage()` over IPC, so the clients' CPU (in this process) is not counted.
 * CPU time is less sensitive to a loaded machine than wall-clock rates; memory is read after two `gc()`.
 *
 *   node --conditions=source --import tsx bench/engine-hot-paths.ts [--only ws-echo,broadcast,poll-echo,poll-idle]
 *        [--rounds 3] [--quick]
 *
 * Paths measured (interleaved, median of the rounds):
 * - ws-echo:   WebSocket message in → `message` → `socket.send` out; server CPU per round trip.
 * - broadcast: one message to every WebSocket session, one emit per tick (Plexus: `prepare` once +
 *              `sendPrepared`; engine.io: `send` with a `wsPreEncodedFrame`, what socket.io's adapter does);
 *              server CPU per delivery.
 * - poll-echo: long-polling: POST `4…` → `message` → `send` answers the held GET; server CPU per round trip.
 *              A bare `node:http` server doing the same GET/POST pattern is the floor.
 * - ws-idle:   heap per idle WebSocket session (2k sessions); the floor is a raw `net` socket after a 101.
 * - poll-idle: heap per idle polling session holding a GET (1k sessions), with the same floor.
 * Each row also prints the kernel (system) share of the server CPU: syscalls no JS change removes.
 * Before/after an engine change in one run: copy the old `src/` somewhere under the repository (so that
 * `@plexus/protocol` resolves) and pass `--impl plexus-before --impl plexus --impl engine.io` with
 * `HOT_PATHS_BEFORE=<that copy>/index.ts`. `HOT_PATHS_SERVER_FLAGS="--cpu-prof ..."` profiles the servers,
 * `HOT_PATHS_SNAPSHOT=<dir>` writes a heap snapshot per implementation after poll-idle.
 */
import { fork } from "node:child_process";
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { writeHeapSnapshot } from "node:v8";
import WebSocket from "ws";
import { parseHotPathOptions } from "./hot-path-options.js";
import { ipcAsk } from "./ipc-ask.js";
import { upperMedian } from "./statistics.js";
import { tsxExecArgv } from "./tsx-exec-argv.js";

/** `plexus-before`: another copy of the engine sources, named by HOT_PATHS_BEFORE (a before/after A/B run). */
type Impl = "plexus" | "plexus-before" | "engine.io" | "bare";
const PATH = "/engine.io/";

// ---------------------------------------------------------------------------------------------------
// Child: one server
// ---------------------------------------------------------------------------------------------------

interface WsSender {
  frame(data: Buffer, options: object): Buffer[];
}

interface Sendable {
  send(data: string, options?: object): unknown;
  sendPrepared?(prepared: unknown): boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
}

async function child(impl: Impl): Promise<void> {
  const http = createServer();
  const sockets = new Set<Sendable>();
  const gc = (globalThis as { gc?: () => void }).gc;
  let broadcast: (payload: string) => void = () => {};

  function onMessage(this: Sendable, data: string): void {
    this.send(data);
  }
  function onClose(this: Sendable): void {
    sockets.delete(this);
  }
  function onConnection(socket: Sendable): void {
    sockets.add(socket);
    socket.on("message", onMessage);
    socket.on("close", onClose);
  }

  const options = { path: PATH, pingInterval: 300_000, pingTimeout: 300_000, maxHttpBufferSize: 1e6 };
  if (impl === "plexus" || impl === "plexus-before") {
    const before = process.env.HOT_PATHS_BEFORE;
    if (impl === "plexus-before" && !before)
      throw new Error("plexus-before needs HOT_PATHS_BEFORE=<engine index.ts>");
    const { Server } = (
      impl === "plexus" ? await import("@plexus/engine") : await import(before!)
    ) as typeof import("@plexus/engine");
    const engine = new Server(options);
    engine.attach(http);
    engine.on("connection", onConnection);
    broadcast = (payload) => {
      const prepared = engine.prepare([payload]);
      for (const s of sockets) s.sendPrepared!(prepared);
    };
  } else if (impl === "engine.io") {
    const eio = await import("engine.io");
    const wsModule = (await import("ws")) as unknown as {
      Sender?: WsSender;
      default: { Sender: WsSender };
    };
    const Sender = wsModule.Sender ?? wsModule.default.Sender;
    const engine = new eio.Server(options);
    engine.attach(http);
    engine.on("connection", onConnection as never);
    broadcast = (payload) => {
      const wsPreEncodedFrame = Sender.frame(Buffer.from(`4${payload}`), {
        readOnly: false,
        mask: false,
        rsv1: false,
        opcode: 1,
        fin: true,
      });
      const opts = { wsPreEncodedFrame };
      for (const s of sockets) s.send(payload, opts);
    };
  } else {
    // The floor for WebSocket: raw `net` sockets after a hand-made 101, one frame per chunk assumed
    // (true for this load), echo by re-framing, broadcast by writing one shared frame per socket.
    const { createHash } = await import("node:crypto");
    const raw = new Set<import("node:stream").Duplex>();
    const frameOf = (text: string): Buffer => {
      const body = Buffer.from(text);
      return Buffer.concat([Buffer.from([0x81, body.length]), body]);
    };
    http.on("upgrade", (req: IncomingMessage, socket: import("node:stream").Duplex) => {
      const key = req.headers["sec-websocket-key"] ?? "";
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.write(
        frameOf('0{"sid":"x","upgrades":[],"pingInterval":300000,"pingTimeout":300000,"maxPayload":1000000}'),
      );
      raw.add(socket);
      socket.on("close", () => raw.delete(socket));
      socket.on("data", (chunk: Buffer) => {
        const len = chunk[1]! & 0x7f;
        const out = Buffer.allocUnsafe(2 + len);
        out[0] = 0x81;
        out[1] = len;
        for (let i = 0; i < len; i++) out[2 + i] = chunk[6 + i]! ^ chunk[2 + (i & 3)]!;
        socket.write(out);
      });
    });
    broadcast = (payload) => {
      const frame = frameOf(`4${payload}`);
      for (const s of raw) s.write(frame);
    };
    // The floor: the same GET/POST pattern on bare node:http (held GET answered by the POST's data).
    const held = new Map<string, ServerResponse>();
    const pending = new Map<string, string>();
    let n = 0;
    http.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? "";
      const i = url.indexOf("sid=");
      if (i === -1) {
        const sid = `s${n++}`;
        const body = `0{"sid":"${sid}","upgrades":[],"pingInterval":300000,"pingTimeout":300000,"maxPayload":1000000}`;
        res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8", "Content-Length": body.length });
        res.end(body);
        return;
      }
      const sid = url.slice(i + 4).split("&")[0]!;
      if (req.method === "GET") {
        const body = pending.get(sid);
        if (body === undefined) {
          held.set(sid, res);
          return;
        }
        pending.delete(sid);
        res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8", "Content-Length": body.length });
        res.end(body);
        return;
      }
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      req.on("end", () => {
        res.writeHead(200, { "Content-Type": "text/html", "Content-Length": 2 });
        res.end("ok");
        const poll = held.get(sid);
        if (poll !== undefined) {
          held.delete(sid);
          poll.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8", "Content-Length": body.length });
          poll.end(body);
        } else {
          pending.set(sid, body);
        }
      });
    });
  }
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  process.on("message", (m: { cmd: string; payload?: string; count?: number }) => {
    if (m.cmd === "cpu") {
      const u = process.cpuUsage();
      process.send!({ cpu: u.user + u.system, sys: u.system, sessions: sockets.size });
    } else if (m.cmd === "mem") {
      gc?.();
      gc?.();
      const mu = process.memoryUsage();
      process.send!({ heap: mu.heapUsed, rss: mu.rss, sessions: sockets.size });
    } else if (m.cmd === "broadcast") {
      const payload = m.payload!;
      let left = m.count!;
      const start = process.cpuUsage();
      const tick = (): void => {
        broadcast(payload);
        if (--left > 0) setImmediate(tick);
        else {
          const u = process.cpuUsage(start);
          process.send!({ sentCpu: u.user + u.system });
        }
      };
      tick();
    } else if (m.cmd === "snapshot") {
      gc?.();
      process.send!({ file: writeHeapSnapshot(m.payload) });
    } else if (m.cmd === "exit") {
      process.exit(0);
    }
  });
  process.send!({ port: (http.address() as AddressInfo).port });
}

// ---------------------------------------------------------------------------------------------------
// Parent: clients and measurements
// ---------------------------------------------------------------------------------------------------

interface Target {
  readonly impl: Impl;
  readonly port: number;
  ask<T>(cmd: object): Promise<T>;
  stop(): void;
}

async function startTarget(impl: Impl): Promise<Target> {
  const proc = fork(new URL(import.meta.url).pathname, ["--child", impl], {
    execArgv: ["--expose-gc", ...tsxExecArgv("HOT_PATHS_SERVER_FLAGS")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once("message", (m: { port: number }) => resolve(m.port));
    proc.once("exit", (code) => reject(new Error(`${impl} server exited (${code})`)));
  });
  return {
    impl,
    port,
    ask: <T>(cmd: object) => ipcAsk<T>(proc, cmd),
    stop() {
      proc.send({ cmd: "exit" });
    },
  };
}

/** Kernel share of the server CPU over the last measured phase (syscalls: what no JS change can remove). */
let sysShare = Number.NaN;
let sysAtStart = 0;
let cpuAtStart = 0;

/** Server CPU (µs, user + system); a reading right after another one closes a measured phase. */
async function cpuNow(t: Target): Promise<number> {
  const { cpu, sys } = await t.ask<{ cpu: number; sys: number }>({ cmd: "cpu" });
  sysShare = (sys - sysAtStart) / (cpu - cpuAtStart);
  sysAtStart = sys;
  cpuAtStart = cpu;
  return cpu;
}

function openWs(port: number, onMessage: (ws: WebSocket, data: Buffer) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${PATH}?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    ws.once("error", reject);
    ws.on("message", (raw) => {
      const data = raw as Buffer;
      if (data[0] === 0x30 /* 0 open */) resolve(ws);
      else onMessage(ws, data);
    });
  });
}

const PAYLOAD = '2["echo","hello world, a typical small event payload",42]';

/** C clients each keep one message in flight until `total` round trips are done. */
async function wsEcho(t: Target, clients: number, total: number): Promise<number> {
  let done = 0;
  let finish: () => void = () => {};
  const onMessage = (ws: WebSocket, data: Buffer): void => {
    if (data[0] !== 0x34) return;
    done++;
    if (done >= total) finish();
    else ws.send(`4${PAYLOAD}`);
  };
  const list = await Promise.all(Array.from({ length: clients }, () => openWs(t.port, onMessage)));
  // Warm-up (JIT), then measure.
  const run = async (n: number): Promise<number> => {
    done = 0;
    total = n;
    const c0 = await cpuNow(t);
    await new Promise<void>((resolve) => {
      finish = resolve;
      for (const ws of list) ws.send(`4${PAYLOAD}`);
    });
    await new Promise((r) => setTimeout(r, 50));
    return (await cpuNow(t)) - c0;
  };
  await run(Math.min(total, 5000));
  const n = total;
  const cpu = await run(n);
  for (const ws of list) ws.terminate();
  return cpu / n;
}

async function wsBroadcast(t: Target, clients: number, emits: number): Promise<number> {
  let received = 0;
  let expected = 0;
  let finish: () => void = () => {};
  const onMessage = (_ws: WebSocket, data: Buffer): void => {
    if (data[0] !== 0x34) return;
    if (++received === expected) finish();
  };
  const list: WebSocket[] = [];
  for (let i = 0; i < clients; i += 100) {
    const batch = Math.min(100, clients - i);
    list.push(...(await Promise.all(Array.from({ length: batch }, () => openWs(t.port, onMessage)))));
  }
  const run = async (count: number): Promise<number> => {
    received = 0;
    expected = count * clients;
    const c0 = await cpuNow(t);
    const all = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await t.ask({ cmd: "broadcast", payload: PAYLOAD, count });
    await all;
    await new Promise((r) => setTimeout(r, 50));
    return (await cpuNow(t)) - c0;
  };
  await run(Math.max(5, emits >> 2));
  const cpu = await run(emits);
  for (const ws of list) ws.terminate();
  return cpu / (emits * clients);
}

function http1(agent: Agent, port: number, method: string, query: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method,
        path: PATH + query,
        headers:
          body === undefined
            ? {}
            : { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.setEncoding("utf8");
        let text = "";
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve(text));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function pollHandshake(agent: Agent, port: number): Promise<string> {
  const open = await http1(agent, port, "GET", "?EIO=4&transport=polling");
  const m = /"sid":"([^"]+)"/.exec(open);
  if (m === null) throw new Error(`bad handshake ${open}`);
  return m[1]!;
}

/** Each client: GET held; POST `4…`; the GET comes back with the echo; repeat. */
async function pollEcho(t: Target, clients: number, total: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const sids = await Promise.all(Array.from({ length: clients }, () => pollHandshake(agent, t.port)));
  if (process.env.HOT_DEBUG) console.log("sids", sids.length);
  let done = 0;
  const loop = async (sid: string, until: number): Promise<void> => {
    const q = `?EIO=4&transport=polling&sid=${sid}`;
    while (done < until) {
      const get = http1(agent, t.port, "GET", q);
      await http1(agent, t.port, "POST", q, `4${PAYLOAD}`);
      await get;
      done++;
      if (process.env.HOT_DEBUG && done % 500 === 0) console.log("done", done);
    }
  };
  const run = async (n: number): Promise<number> => {
    done = 0;
    const c0 = await cpuNow(t);
    await Promise.all(sids.map((sid) => loop(sid, n)));
    const c1 = await cpuNow(t);
    return (c1 - c0) / done;
  };
  await run(Math.min(total, 2000));
  const perRound = await run(total);
  agent.destroy();
  return perRound;
}

async function pollIdle(t: Target, sessions: number): Promise<{ heap: number; rss: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  // Warm the code paths first so the empty baseline includes compiled code, not only the later reading.
  for (const sid of await Promise.all(Array.from({ length: 20 }, () => pollHandshake(agent, t.port)))) {
    http1(agent, t.port, "GET", `?EIO=4&transport=polling&sid=${sid}`).catch(() => {});
  }
  await new Promise((r) => setTimeout(r, 200));
  const m0 = await t.ask<{ heap: number; rss: number }>({ cmd: "mem" });
  for (let i = 0; i < sessions; i += 100) {
    const sids = await Promise.all(
      Array.from({ length: Math.min(100, sessions - i) }, () => pollHandshake(agent, t.port)),
    );
    for (const sid of sids)
      http1(agent, t.port, "GET", `?EIO=4&transport=polling&sid=${sid}`).catch(() => {});
  }
  await new Promise((r) => setTimeout(r, 500));
  const m1 = await t.ask<{ heap: number; rss: number }>({ cmd: "mem" });
  // HOT_PATHS_SNAPSHOT=dir: also write a heap snapshot per implementation (compare classes offline).
  const dir = process.env.HOT_PATHS_SNAPSHOT;
  if (dir) await t.ask({ cmd: "snapshot", payload: `${dir}/${t.impl}-${sessions}.heapsnapshot` });
  agent.destroy();
  return { heap: (m1.heap - m0.heap) / sessions, rss: (m1.rss - m0.rss) / sessions };
}

async function wsIdle(t: Target, sessions: number): Promise<number> {
  const list: WebSocket[] = [];
  const ignore = (): void => {};
  list.push(...(await Promise.all(Array.from({ length: 20 }, () => openWs(t.port, ignore)))));
  await new Promise((r) => setTimeout(r, 200));
  const m0 = await t.ask<{ heap: number }>({ cmd: "mem" });
  for (let i = 0; i < sessions; i += 100) {
    const batch = Math.min(100, sessions - i);
    list.push(...(await Promise.all(Array.from({ length: batch }, () => openWs(t.port, ignore)))));
  }
  await new Promise((r) => setTimeout(r, 500));
  const m1 = await t.ask<{ heap: number }>({ cmd: "mem" });
  for (const ws of list) ws.terminate();
  return (m1.heap - m0.heap) / sessions;
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseHotPathOptions(3);
  const only = options.only ?? ["ws-echo", "broadcast", "poll-echo", "ws-idle", "poll-idle"];
  const { rounds, scale: q } = options;
  const impls = (options.impls as Impl[] | undefined) ?? ["plexus", "engine.io"];
  interface Scenario {
    readonly name: string;
    readonly unit: string;
    readonly impls: readonly Impl[];
    run(t: Target): Promise<number>;
  }
  const scenarios: Scenario[] = [
    {
      name: "ws-echo",
      unit: "µs CPU / round trip",
      impls: [...impls, "bare"],
      run: async (t) => (await wsEcho(t, 20, Math.round(40_000 * q))) / 1,
    },
    {
      name: "broadcast",
      unit: "µs CPU / delivery",
      impls: [...impls, "bare"],
      run: (t) => wsBroadcast(t, 500, Math.round(200 * q)),
    },
    {
      name: "poll-echo",
      unit: "µs CPU / round trip",
      impls: [...impls, "bare"],
      run: (t) => pollEcho(t, 20, Math.round(10_000 * q)),
    },
    {
      name: "ws-idle heap",
      unit: "bytes heap / idle WebSocket session",
      impls: [...impls, "bare"],
      run: (t) => wsIdle(t, 2000),
    },
    {
      name: "poll-idle heap",
      unit: "bytes heap / idle polling session",
      impls: [...impls, "bare"],
      run: async (t) => (await pollIdle(t, 1000)).heap,
    },
  ];
  for (const s of scenarios) {
    if (!only.some((o) => s.name.startsWith(o))) continue;
    const results = new Map<Impl, number[]>();
    const kernel = new Map<Impl, number[]>();
    for (let r = 0; r < rounds; r++) {
      for (const impl of s.impls) {
        const t = await startTarget(impl);
        try {
          const v = await s.run(t);
          (results.get(impl) ?? results.set(impl, []).get(impl)!).push(v);
          if (!s.unit.startsWith("bytes"))
            (kernel.get(impl) ?? kernel.set(impl, []).get(impl)!).push(sysShare);
        } finally {
          t.stop();
        }
      }
    }
    const med = new Map([...results].map(([k, v]) => [k, upperMedian(v)]));
    const base = med.get("engine.io");
    const cells = [...med].map(([k, v]) => {
      const ratio = base !== undefined && k !== "engine.io" ? ` (×${(v / base).toFixed(2)})` : "";
      return `${k} ${v.toFixed(s.unit.startsWith("bytes") ? 0 : 2)}${ratio}`;
    });
    console.log(`${s.name.padEnd(15)} ${s.unit.padEnd(34)} ${cells.join("   ")}`);
    if (kernel.size > 0) {
      const shares = [...kernel].map(([k, v]) => `${k} ${(upperMedian(v) * 100).toFixed(0)} %`);
      console.log(`${"".padEnd(15)} kernel (system) share of that CPU: ${shares.join("  ")}`);
    }
    console.log(
      `${"".padEnd(15)} runs: ${[...results].map(([k, v]) => `${k} [${v.map((x) => x.toFixed(1)).join(", ")}]`).join("  ")}`,
    );
  }
}

const childIndex = process.argv.indexOf("--child");
if (childIndex !== -1) {
  await child(process.argv[childIndex + 1] as Impl);
} else {
  await main();
}
