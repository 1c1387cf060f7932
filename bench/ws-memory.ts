/**
 * Heap and RSS per WebSocket connection: Plexus's RFC 6455 layer (`websocket` of `@plexus/engine`)
 * versus `ws`'s WebSocketServer, both over the same `http` upgrade, plus a bare upgraded socket
 * (101 written by hand, no WebSocket layer) as the floor they share.
 * Each implementation runs in its own server process (`--expose-gc`); this process opens N raw
 * connections over loopback and asks the server for `process.memoryUsage()` before and after.
 * Not a test, no assertion.
 *
 *   node --conditions=source --import tsx bench/ws-memory.ts [N=5000]
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { websocket } from "@plexus/engine";
import { WebSocketServer } from "ws";

const IMPLEMENTATIONS = ["bare", "plexus", "ws"] as const;
type Impl = (typeof IMPLEMENTATIONS)[number];
interface Sample {
  kept: number;
  heap: number;
  rss: number;
  external: number;
}

const REQUEST =
  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

const kept: unknown[] = [];
const handler: websocket.WebSocketHandler = {
  onWebSocketMessage() {},
  onWebSocketClose() {},
  onWebSocketError() {},
};
const options: websocket.WebSocketOptions = { maxPayload: 1e6 };
function onWsMessage(): void {}

function sample(): Sample {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
  const m = process.memoryUsage();
  return { kept: kept.length, heap: m.heapUsed, rss: m.rss, external: m.external };
}

async function serve(impl: Impl): Promise<void> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const server = createServer();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (impl === "plexus") {
      if (websocket.validateUpgradeRequest(req) !== null) return socket.destroy();
      kept.push(websocket.acceptWebSocket(req, socket, head, handler, options));
    } else if (impl === "ws") {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on("message", onWsMessage);
        kept.push(ws);
      });
    } else {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      socket.on("data", onWsMessage);
      kept.push(socket);
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  process.on("message", () => process.send?.(sample()));
  process.send?.({ port: (server.address() as AddressInfo).port });
}

async function measure(impl: Impl, n: number): Promise<string> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, WS_MEMORY_IMPL: impl },
    execArgv: ["--expose-gc", "--conditions=source", "--import", "tsx"],
  });
  const ask = async (): Promise<Sample> => {
    child.send("sample");
    return ((await once(child, "message")) as [Sample])[0];
  };
  const [{ port }] = (await once(child, "message")) as [{ port: number }];
  const sockets: Socket[] = [];
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.on("error", () => {});
      s.once("data", () => resolve());
      s.write(REQUEST);
      sockets.push(s);
    });
  for (let i = 0; i < 200; i++) await open(); // warm-up: code paths compiled before the baseline
  const before = await ask();
  for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, open));
  const after = await ask();
  for (const s of sockets) s.destroy();
  child.kill();
  const count = after.kept - before.kept;
  const kb = (bytes: number): string => (bytes / count / 1024).toFixed(2).padStart(6);
  return `| ${impl.padEnd(6)} | ${count} | ${kb(after.heap - before.heap)} | ${kb(after.external - before.external)} | ${kb(after.rss - before.rss)} |`;
}

const child = process.env.WS_MEMORY_IMPL as Impl | undefined;
if (child !== undefined) {
  await serve(child);
} else {
  const n = Number(process.argv[2] ?? 5000);
  const rows = [
    "| server | connections | heap KB/conn | external KB/conn | RSS KB/conn |",
    "|---|---|---|---|---|",
  ];
  for (const impl of IMPLEMENTATIONS) rows.push(await measure(impl, n));
  console.log(rows.join("\n"));
}
