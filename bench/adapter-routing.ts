/**
 * What a request routed through an adapter costs (README "No sticky sessions"), not a test: two Plexus
 * nodes in two processes, sequential POST round trips (a Socket.IO event, answered `ok`) of one polling
 * session sent to its owner directly and through the other node — over Redis (`@plexus/redis-adapter`, the
 * channel route), straight to the owner's advertised internal listener (`sessionRouting: {}`), and over
 * node:cluster IPC (`@plexus/cluster-adapter`, two workers). Wall time per round trip on loopback; it shows
 * the relay's overhead. Needs `redis-server` on the PATH.
 * Run: `npm run bench:adapter-routing -- [count]`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Agent, request } from "node:http";
import { startRedis } from "../test-support/redis-server.js";

const count = Number(process.argv[2] ?? 2000);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const fixture = new URL("./adapter-routing-node.ts", import.meta.url).pathname;

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

function start(args: string[], reports: number): { child: ChildProcess; ports: Promise<number[]> } {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", fixture, ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ports = new Promise<number[]>((resolve) => {
    const got: number[] = [];
    child.on("message", (m: { port: number }) => {
      got.push(m.port);
      if (got.length === reports) resolve(got);
    });
  });
  return { child, ports };
}

/** µs per POST round trip, `via` → owner `owner`. */
async function measure(owner: number, via: number): Promise<number> {
  const open = JSON.parse((await send(owner, "/socket.io/?EIO=4&transport=polling", "GET")).slice(1));
  const path = `/socket.io/?EIO=4&transport=polling&sid=${open.sid}`;
  await send(via, path, "POST", "40");
  for (let i = 0; i < 200; i++) await send(via, path, "POST", '42["warm"]');
  const begin = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const answer = await send(via, path, "POST", '42["e"]');
    if (answer !== "ok") throw new Error(`unexpected answer ${answer}`);
  }
  return Number(process.hrtime.bigint() - begin) / 1000 / count;
}

async function pair(label: string, args: string[], separate: boolean): Promise<void> {
  const runs = separate ? [start(args, 1), start(args, 1)] : [start(args, 2)];
  try {
    const ports = (await Promise.all(runs.map((r) => r.ports))).flat();
    const local = await measure(ports[0]!, ports[0]!);
    const routed = await measure(ports[0]!, ports[1]!);
    console.log(
      `${label.padEnd(38)} owner ${local.toFixed(0).padStart(5)} µs, via the other node ${routed
        .toFixed(0)
        .padStart(5)} µs per POST round trip (${(routed / local).toFixed(2)}×)`,
    );
  } finally {
    for (const { child } of runs) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  }
}

await using redis = await startRedis();
await pair("Redis adapter, channel route", ["redis", redis.url], true);
await pair("Redis adapter, direct route", ["redis-direct", redis.url], true);
await pair("cluster adapter (IPC), channel route", ["primary"], false);
agent.destroy();
