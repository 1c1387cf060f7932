/**
 * A load-generator process of `npm run bench:scale`: holds up to ~19,000 raw-protocol WebSocket clients
 * (`bench/raw-websocket-client.ts`, Engine.IO v4 / Socket.IO v5 straight over `ws`), spread thinly over
 * several loopback source addresses, and counts broadcasts and unexpected closes. Started only by
 * `bench/scale/scale.ts` over IPC; it exits when asked or when the orchestrator goes away.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchClient, ClientEvents, ClientTarget } from "../bench-client.js";
import { serveCommands } from "../child-endpoint.js";
import { wallNow } from "../control-messages.js";
import { RawWebSocketClient } from "../raw-websocket-client.js";
import { SOCKET_PATH } from "../target-implementations.js";
import type {
  GeneratorReading,
  ScaleConnectParams,
  ScaleConnectResult,
  ScaleGeneratorCommands,
  ScaleReceipt,
} from "./scale-messages.js";

const CONNECT_TIMEOUT_MS = 60_000;
const CONNECT_ATTEMPTS = 2;

const clients: BenchClient[] = [];
let closed = 0;
let expected = 0;
let complete = 0;
let lastAt = 0;
let waiter: (() => void) | undefined;

const events: ClientEvents = {
  broadcast(client) {
    if (client.received === expected && ++complete === clients.length) {
      lastAt = wallNow();
      waiter?.();
    }
  },
  ack() {
    // The scale bench sends no events with acks.
  },
  closed() {
    closed++;
  },
};

async function connect(params: ScaleConnectParams): Promise<ScaleConnectResult> {
  if (params.localAddresses.length * params.perAddress < params.count)
    throw new Error(`connect: ${params.localAddresses.length} addresses cannot hold ${params.count} clients`);
  const started = wallNow();
  let next = 0;
  let connected = 0;
  let failed = 0;
  let retried = 0;
  let firstRetryError: string | undefined;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < params.count) {
      const index = next++;
      const localAddress = params.localAddresses[Math.floor(index / params.perAddress)]!;
      const target: ClientTarget = {
        host: params.host,
        port: params.port,
        path: SOCKET_PATH,
        level: "socket",
        localAddress,
      };
      let lastError: unknown;
      for (let attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
        const client = new RawWebSocketClient(target, events);
        try {
          await client.open(CONNECT_TIMEOUT_MS);
          clients.push(client);
          connected++;
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
          retried++;
          firstRetryError ??= error instanceof Error ? error.message : String(error);
          await sleep(100 * (attempt + 1));
        }
      }
      if (lastError !== undefined) {
        failed++;
        firstError ??= lastError instanceof Error ? lastError.message : String(lastError);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, params.concurrency) }, worker));
  const result = {
    connected,
    failed,
    retried,
    elapsedMs: wallNow() - started,
    ...(firstRetryError === undefined ? {} : { firstRetryError }),
  };
  return firstError === undefined ? result : { ...result, firstError };
}

function armBroadcast(count: number): { clients: number } {
  expected = count;
  complete = 0;
  lastAt = 0;
  for (const c of clients) c.received = 0;
  return { clients: clients.length };
}

async function waitBroadcast(timeoutMs: number): Promise<ScaleReceipt> {
  if (complete < clients.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    waiter = undefined;
  }
  return { complete, clients: clients.length, lastAt: complete === clients.length ? lastAt : 0 };
}

function stats(): GeneratorReading {
  return { clients: clients.length, closed, rss: process.memoryUsage.rss() };
}

function exit(): void {
  for (const c of clients) c.close();
  process.exit(0);
}

serveCommands<ScaleGeneratorCommands>(
  {
    connect,
    "arm-broadcast": ({ expected }) => armBroadcast(expected),
    "wait-broadcast": ({ timeoutMs }) => waitBroadcast(timeoutMs),
    stats,
  },
  { type: "ready", port: 0, detail: `scale load generator pid ${process.pid}` },
  exit,
);
