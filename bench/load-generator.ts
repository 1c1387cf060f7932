/**
 * A load-generator process: holds up to a few thousand raw-protocol clients, all bound to one loopback
 * source address, and runs what the orchestrator asks (connect, count broadcasts, echo with acks).
 * Started only by `bench/run.ts` (IPC). One process stays far below the 20,000 open-file limit.
 */
import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchClient, ClientEvents, ClientTarget } from "./bench-client.js";
import { serveCommands } from "./child-endpoint.js";
import {
  type BroadcastReceipt,
  type ConnectParams,
  type ConnectResult,
  type EchoParams,
  type EchoResult,
  type GeneratorCommands,
  wallNow,
} from "./control-messages.js";
import { RawPollingClient } from "./raw-polling-client.js";
import { RawWebSocketClient } from "./raw-websocket-client.js";
import { echoEventData } from "./raw-wire.js";

const CONNECT_TIMEOUT_MS = 30_000;
const CONNECT_ATTEMPTS = 3;

const clients: BenchClient[] = [];
let closedAfterConnect = 0;
// Keep-alive sockets for polling: one held GET per client plus the occasional POST.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 100_000 });

// Broadcast bookkeeping (see `arm-broadcast`).
let expected = 0;
let complete = 0;
let firstAt = 0;
let lastAt = 0;
let broadcastWaiter: (() => void) | undefined;

// Echo bookkeeping.
let echoAcked = 0;
let echoSent = 0;
let latencies: number[] = [];
let echoWaiter: (() => void) | undefined;

const events: ClientEvents = {
  broadcast(client) {
    if (firstAt === 0) firstAt = wallNow();
    if (client.received === expected && ++complete === clients.length) {
      lastAt = wallNow();
      broadcastWaiter?.();
    }
  },
  ack(client, id) {
    const sent = client.sentAt?.get(id);
    if (sent === undefined) return;
    client.sentAt!.delete(id);
    latencies.push(wallNow() - sent);
    if (++echoAcked === echoSent) echoWaiter?.();
  },
  closed() {
    closedAfterConnect++;
  },
};

async function connect(params: ConnectParams): Promise<ConnectResult> {
  const target: ClientTarget = {
    host: params.host,
    port: params.port,
    path: params.path,
    level: params.level,
    localAddress: params.localAddress,
  };
  const started = wallNow();
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < params.count) {
      next++;
      let lastError: unknown;
      for (let attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
        const client =
          params.transport === "websocket"
            ? new RawWebSocketClient(target, events)
            : new RawPollingClient(target, events, agent);
        try {
          await client.open(CONNECT_TIMEOUT_MS);
          clients.push(client);
          connected++;
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
          await sleep(50 * (attempt + 1));
        }
      }
      if (lastError !== undefined) {
        failed++;
        firstError ??= lastError instanceof Error ? lastError.message : String(lastError);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, params.concurrency) }, worker));
  const result = { connected, failed, elapsedMs: wallNow() - started };
  return firstError === undefined ? result : { ...result, firstError };
}

function armBroadcast(count: number): { clients: number } {
  expected = count;
  complete = 0;
  firstAt = 0;
  lastAt = 0;
  for (const c of clients) c.received = 0;
  return { clients: clients.length };
}

async function waitBroadcast(timeoutMs: number): Promise<BroadcastReceipt> {
  if (complete < clients.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      broadcastWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    broadcastWaiter = undefined;
  }
  return { complete, clients: clients.length, firstAt, lastAt };
}

async function echo(params: EchoParams): Promise<EchoResult> {
  const targets = clients.slice(0, Math.min(params.clients, clients.length));
  if (targets.length === 0) throw new Error("echo: no clients");
  echoAcked = 0;
  echoSent = 0;
  latencies = [];
  const start = wallNow();
  let robin = 0;
  // Open loop: the send schedule does not wait for answers, so a slow server shows up as latency.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = wallNow();
      const elapsed = Math.min(now - start, params.durationMs);
      const due = Math.floor((elapsed * params.rate) / 1000);
      while (echoSent < due) {
        const client = targets[robin++ % targets.length]!;
        const id = client.nextAckId++;
        client.sentAt ??= new Map();
        client.sentAt.set(id, wallNow());
        echoSent++;
        client.sendMessage(echoEventData(id, params.payload));
      }
      if (now - start >= params.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  if (echoAcked < echoSent) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      echoWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    echoWaiter = undefined;
  }
  return {
    sent: echoSent,
    acked: echoAcked,
    latencies: latencies.map((l) => Math.round(l * 1000) / 1000),
  };
}

function exit(): void {
  for (const c of clients) c.close();
  agent.destroy();
  process.exit(0);
}

serveCommands<GeneratorCommands>(
  {
    connect,
    "arm-broadcast": ({ expected }) => armBroadcast(expected),
    "wait-broadcast": ({ timeoutMs }) => waitBroadcast(timeoutMs),
    echo,
  },
  { type: "ready", port: 0, detail: `load generator pid ${process.pid}` },
  exit,
);

// Unexpected closes are reported on stderr once, not per client.
setInterval(() => {
  if (closedAfterConnect > 0) {
    console.error(`load generator ${process.pid}: ${closedAfterConnect} connection(s) closed by the server`);
    closedAfterConnect = 0;
  }
}, 5000).unref();
