/**
 * What a routed request costs (README "No sticky sessions"): three engines in one process, sequential
 * POST round trips (`4x` → `ok`) of one polling session sent to its owner directly, through another node
 * with the direct router (keep-alive HTTP to the owner's internal listener), and through another node with
 * the channel router (in-process channel, in-memory HTTP on the owner). Latency per request, one process:
 * it shows the relay's overhead, not a network's. CPU is the whole process's (client, relay and owner):
 * steadier than wall time on a shared machine. Run: `node --conditions=source --import tsx bench/routing-hops.ts [count]`.
 */
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ChannelSessionRouter,
  DirectSessionRouter,
  InProcessChannelHub,
  Server,
  type SessionRouter,
  StaticNodeDirectory,
} from "@plexus/engine";

const count = Number(process.argv[2] ?? 3000);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(port: number, path: string, method: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function node(nodeId: string, router: SessionRouter): Promise<{ engine: Server; port: number }> {
  const http = createServer();
  const engine = new Server({ nodeId, sessionRouter: router, pingInterval: 60_000 });
  engine.attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { engine, port: (http.address() as AddressInfo).port };
}

async function measure(label: string, owner: number, via: number): Promise<void> {
  const open = JSON.parse((await send(owner, "/engine.io/?EIO=4&transport=polling", "GET")).slice(1));
  const path = `/engine.io/?EIO=4&transport=polling&sid=${open.sid}`;
  for (let i = 0; i < 200; i++) await send(via, path, "POST", "4x"); // warm-up
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const answer = await send(via, path, "POST", "4x");
    if (answer !== "ok") throw new Error(`${label}: ${answer}`);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / count;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / count;
  console.log(
    `${label.padEnd(34)} wall ${us.toFixed(1).padStart(7)} µs, CPU ${cpuUs.toFixed(1).padStart(6)} µs per POST round trip`,
  );
}

const directory = new StaticNodeDirectory();
const directRouters = ["a", "b"].map(() => new DirectSessionRouter({ directory, secret: "bench" }));
const [da, db] = [await node("a", directRouters[0]!), await node("b", directRouters[1]!)];
for (const r of directRouters) await r.listen();
const hub = new InProcessChannelHub();
const [ca, cb] = [
  await node("c", new ChannelSessionRouter(hub.join("c"))),
  await node("d", new ChannelSessionRouter(hub.join("d"))),
];

await measure("owner directly (no hop)", da.port, da.port);
await measure("via another node, direct router", da.port, db.port);
await measure("via another node, channel router", ca.port, cb.port);
process.exit(0);
