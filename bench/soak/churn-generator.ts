/**
 * A soak churn generator process: runs client loops against one server (connect over a random transport,
 * join a room, echo with acks while broadcasts arrive, then leave cleanly, vanish, or get kicked; again),
 * with a watchdog over every wait of every loop. Started only by bench/soak/soak.ts (IPC).
 *
 * Transport mix per session: 50 % WebSocket, 30 % long-polling, 20 % polling upgraded to WebSocket.
 * Ways to end: 60 % clean (`41` + close), 25 % vanish (sockets destroyed, the server finds out by itself),
 * 15 % kicked (the server calls `socket.disconnect(true)`).
 */
import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { serveCommands } from "../child-endpoint.js";
import { wallNow } from "../control-messages.js";
import { ChurnError, ChurnSession, type ChurnTransport } from "./churn-session.js";
import type { ChurnParams, ChurnReport, SoakGeneratorCommands, StuckStep } from "./soak-messages.js";

const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 1000 });

let params: ChurnParams | undefined;
let stopping = false;
const live = new Map<number, ChurnSession>();
const loops: Promise<void>[] = [];
const stuck: StuckStep[] = [];
let reported = 0;
let connected = 0;
let upgrades = 0;
let acks = 0;
let broadcasts = 0;
const ended: Record<string, number> = {};
const errors: Record<string, number> = {};
const probeFailures: Record<string, number> = {};

function count(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

function pickTransport(): ChurnTransport {
  const r = Math.random();
  return r < 0.5 ? "websocket" : r < 0.8 ? "polling" : "upgrade";
}

function between(min: number, max: number): number {
  return min + Math.random() * (max - min);
}

async function iteration(loop: number, p: ChurnParams): Promise<void> {
  const session = new ChurnSession(p.target, agent, pickTransport());
  live.set(loop, session);
  try {
    await session.connect();
    connected++;
    if (session.probeFailure !== undefined) count(probeFailures, session.probeFailure);
    else if (session.transport === "upgrade") upgrades++;
    await session.emitWithAck("join", `r${Math.floor(Math.random() * p.rooms)}`);
    const echoes = 2 + Math.floor(Math.random() * 5);
    for (let i = 0; i < echoes && !stopping; i++) {
      await sleep(between(500, 2500));
      await session.emitWithAck("echo", `loop ${loop} #${i}`);
    }
    const r = Math.random();
    if (stopping || r < 0.6) {
      session.closeCleanly();
      count(ended, "clean");
    } else if (r < 0.85) {
      session.abandon();
      count(ended, "vanish");
    } else {
      await session.kicked();
      count(ended, "kicked");
    }
  } catch (error) {
    session.abandon();
    if (!stopping) {
      const kind = error instanceof ChurnError ? error.kind : String(error);
      count(errors, kind);
      if (/by the server|Session ID unknown/.test(kind)) {
        // A drop: the server ended a session whose client was alive; the orchestrator fetches its trace.
        stuck.push({
          drop: true,
          loop,
          step: kind,
          request: "",
          transport: session.transport,
          sid: session.sid,
          startedAt: session.startedAt,
          waitedMs: Math.round(wallNow() - session.startedAt),
          clientLast: session.last,
        });
      }
    }
  } finally {
    acks += session.acks;
    broadcasts += session.broadcasts;
    live.delete(loop);
  }
}

async function runLoop(loop: number, p: ChurnParams): Promise<void> {
  await sleep((p.rampMs * loop) / p.loops);
  while (!stopping) {
    await iteration(loop, p);
    if (!stopping) await sleep(between(0, 1000));
  }
}

let lastWatchdog = wallNow();

function watchdog(): void {
  const p = params;
  const now = wallNow();
  const late = Math.max(0, Math.round(now - lastWatchdog - WATCHDOG_MS));
  lastWatchdog = now;
  if (p === undefined) return;
  for (const [loop, session] of live) {
    for (const op of session.ops) {
      const waited = now - op.startedAt;
      if (op.stuck !== undefined || waited <= p.stuckMs + op.graceMs) continue;
      const record: StuckStep = {
        loop,
        step: op.step,
        request: op.request,
        transport: session.transport,
        sid: session.sid,
        startedAt: op.startedAt,
        waitedMs: Math.round(waited),
        clientLast: session.last,
        clientTimerLateMs: late,
      };
      op.stuck = record;
      stuck.push(record);
    }
  }
}
const WATCHDOG_MS = 1000;
const watchdogTimer = setInterval(watchdog, WATCHDOG_MS);

function start(p: ChurnParams): { loops: number } {
  if (params !== undefined) throw new Error("already started");
  params = p;
  for (let i = 0; i < p.loops; i++) loops.push(runLoop(i, p));
  return { loops: p.loops };
}

function takeStuck(): StuckStep[] {
  const fresh = stuck.slice(reported);
  reported = stuck.length;
  return fresh;
}

async function stop(graceMs: number): Promise<ChurnReport> {
  stopping = true;
  const all = Promise.all(loops);
  await Promise.race([all, sleep(graceMs)]);
  for (const session of live.values()) session.abandon();
  watchdog();
  clearInterval(watchdogTimer);
  return { connected, ended, errors, acks, broadcasts, upgrades, probeFailures, stuck };
}

serveCommands<SoakGeneratorCommands>(
  {
    start,
    "take-stuck": () => takeStuck(),
    stop: ({ graceMs }) => stop(graceMs),
  },
  { type: "ready", port: 0, detail: `soak generator pid ${process.pid}` },
  () => {
    for (const session of live.values()) session.abandon();
    agent.destroy();
    process.exit(0);
  },
);
