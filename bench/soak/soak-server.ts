/**
 * The soak's target: one Socket.IO server (`socket.io` or `@plexus/server`, chosen by `--impl`, through
 * public entry points only) running a small churn application — join a room with an ack, echo with an ack,
 * `kick` (the server disconnects the socket), a broadcast to a random room every 250 ms and to everyone
 * every 2 s — and keeping, for every engine session, a short trace of what the server last did for it
 * (handshake, packets created and received, flushes, upgrade, close reason). The orchestrator asks for a
 * session's trace when a client step gets stuck, so every stuck step comes with the server's side of it.
 *
 *   Started by bench/soak/soak.ts over IPC; by hand:
 *   node --expose-gc --conditions=source --import tsx bench/soak/soak-server.ts --impl plexus
 */
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { IMPL_NAMES, type ImplName, wallNow } from "../control-messages.js";
import { collectGarbage, listenDeep, serveOrListen } from "../server-process.js";
import { loadImplementation } from "../target-implementations.js";
import type { ServerView, SessionTrace, SoakServerCommands, SoakServerStats } from "./soak-messages.js";

const { values } = parseArgs({
  options: {
    impl: { type: "string", default: "plexus" },
    port: { type: "string", default: "0" },
    rooms: { type: "string", default: "20" },
    "ping-interval": { type: "string", default: "25000" },
    "ping-timeout": { type: "string", default: "20000" },
  },
});
const impl = values.impl as ImplName;
if (!IMPL_NAMES.includes(impl) || impl === "ws") throw new Error("--impl must be socket.io or plexus");
const ROOMS = Number(values.rooms);

type Listener = (...args: unknown[]) => void;
interface Emitter {
  on(event: string, listener: Listener): unknown;
}
interface SoakEngineSocket extends Emitter {
  readonly id: string;
  readonly transport: { readonly name: string };
}
interface SoakEngine extends Emitter {
  readonly clientsCount: number;
}
interface SoakSocket extends Emitter {
  join(room: string): unknown;
  disconnect(close: boolean): unknown;
}
interface SoakIo extends Emitter {
  readonly engine: SoakEngine;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
  emit(event: string, ...args: unknown[]): unknown;
}

// ---- per-session traces ----------------------------------------------------------------------------

const TRACE_LINES = 12;
/** Closed sessions stay answerable this long: a stuck client often asks about a session that just ended. */
const CLOSED_TRACE_MS = 180_000;

interface Trace {
  sid: string;
  openedAt: number;
  transport: string;
  closed?: string;
  closedAt: number;
  lines: string[];
}

const traces = new Map<string, Trace>();

function note(trace: Trace, what: string): void {
  trace.lines.push(`+${Math.round(wallNow() - trace.openedAt)}ms ${what}`);
  if (trace.lines.length > TRACE_LINES) trace.lines.shift();
}

function describe(packet: unknown): string {
  if (typeof packet !== "object" || packet === null) return String(packet);
  const p = packet as { type?: unknown; data?: unknown };
  const data =
    typeof p.data === "string" ? ` ${p.data.slice(0, 24)}` : p.data === undefined ? "" : " <binary>";
  return `${String(p.type)}${data}`;
}

let lastHandshakeAt = wallNow();

function onEngineConnection(...args: unknown[]): void {
  const socket = args[0] as SoakEngineSocket;
  lastHandshakeAt = wallNow();
  const trace: Trace = {
    sid: socket.id,
    openedAt: lastHandshakeAt,
    transport: socket.transport.name,
    closedAt: 0,
    lines: [],
  };
  traces.set(socket.id, trace);
  note(trace, `handshake over ${trace.transport}`);
  socket.on("packetCreate", (packet) => note(trace, `sent ${describe(packet)}`));
  socket.on("packet", (packet) => note(trace, `received ${describe(packet)}`));
  socket.on("flush", (queue) =>
    note(trace, `flushed ${Array.isArray(queue) ? queue.length : "?"} packet(s)`),
  );
  socket.on("upgrading", (transport) => note(trace, `upgrading to ${(transport as { name: string }).name}`));
  socket.on("upgrade", (transport) => {
    trace.transport = (transport as { name: string }).name;
    note(trace, `upgraded to ${trace.transport}`);
  });
  socket.on("close", (reason, description) => {
    trace.closed = String(reason);
    trace.closedAt = wallNow();
    const detail = description instanceof Error ? `: ${description.message}` : "";
    note(trace, `closed: ${String(reason)}${detail}`);
  });
}

function sweepTraces(): void {
  const now = wallNow();
  for (const [sid, trace] of traces) {
    if (trace.closedAt !== 0 && now - trace.closedAt > CLOSED_TRACE_MS) traces.delete(sid);
  }
}

function snapshot(trace: Trace): SessionTrace {
  const base = {
    sid: trace.sid,
    openedAt: trace.openedAt,
    transport: trace.transport,
    lines: [...trace.lines],
  };
  return trace.closed === undefined ? base : { ...base, closed: trace.closed };
}

// ---- the application ---------------------------------------------------------------------------------

let connections = 0;
let sockets = 0;
const disconnectReasons: Record<string, number> = {};
const connectionErrors: Record<string, number> = {};

function count(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

function ackLast(args: unknown[]): Listener | undefined {
  const ack = args[args.length - 1];
  return typeof ack === "function" ? (ack as Listener) : undefined;
}

function onDisconnect(...args: unknown[]): void {
  sockets--;
  count(disconnectReasons, String(args[0]));
}

function onConnection(...args: unknown[]): void {
  const socket = args[0] as SoakSocket;
  connections++;
  sockets++;
  socket.on("join", (...a) => {
    socket.join(String(a[0]));
    ackLast(a)?.(a[0]);
  });
  socket.on("echo", (...a) => ackLast(a)?.(a[0]));
  socket.on("kick", () => socket.disconnect(true));
  socket.on("disconnect", onDisconnect);
}

const http = createServer();
const loaded = await loadImplementation(impl, "socket");
const io = loaded.attachSocketServer!(http, {
  pingInterval: Number(values["ping-interval"]),
  pingTimeout: Number(values["ping-timeout"]),
}) as unknown as SoakIo;
io.on("connection", onConnection);
io.engine.on("connection", onEngineConnection);
io.engine.on("connection_error", (...args) => {
  const event = args[0] as { message?: unknown };
  count(connectionErrors, String(event.message));
});

let seq = 0;
const roomTimer = setInterval(() => {
  io.to(`r${Math.floor(Math.random() * ROOMS)}`).emit("b", seq++);
}, 250);
const allTimer = setInterval(() => io.emit("all", seq++), 2000);
const sweepTimer = setInterval(sweepTraces, 10_000);

const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
let previousMaxMs = 0;
const delayTimer = setInterval(() => {
  previousMaxMs = loopDelay.max / 1e6;
  loopDelay.reset();
}, 5000);

const port = await listenDeep(http, Number(values.port), "127.0.0.1");

async function stats(gc: boolean, dropTraces: boolean): Promise<SoakServerStats> {
  if (dropTraces) traces.clear();
  if (gc) await collectGarbage();
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed,
    rss: m.rss,
    sessions: io.engine.clientsCount,
    sockets,
    connections,
    disconnectReasons: { ...disconnectReasons },
    connectionErrors: { ...connectionErrors },
  };
}

function view(sid: string | null): ServerView {
  const trace = sid === null ? undefined : traces.get(sid);
  return {
    session: trace === undefined ? null : snapshot(trace),
    sinceLastHandshakeMs: Math.round(wallNow() - lastHandshakeAt),
    loopDelayMaxMs: Math.round(Math.max(previousMaxMs, loopDelay.max / 1e6)),
    sessions: io.engine.clientsCount,
  };
}

function exit(): void {
  for (const t of [roomTimer, allTimer, sweepTimer, delayTimer]) clearInterval(t);
  process.exit(0);
}

const detail = `${loaded.detail} (pid ${process.pid})`;
serveOrListen<SoakServerCommands>(
  {
    stats: ({ gc, dropTraces }) => stats(gc, dropTraces),
    view: ({ sid }) => view(sid),
  },
  { port, detail, url: `http://127.0.0.1:${port}${loaded.path}` },
  exit,
);
