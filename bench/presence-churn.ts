/**
 * Presence under churn (issue 14): three server processes on one Redis, 1,000 joins/leaves per second
 * spread over them for a few seconds, Plexus (`io.presence(room)` on `@plexus/redis-adapter`) side by side
 * with what socket.io@4.8 applications do without presence (`@socket.io/redis-adapter`: join the room,
 * broadcast a "presence" event to it, list with `fetchSockets()` grouped by user). Reports Redis commands
 * per join/leave and per list (`INFO commandstats`), list latency, how long after the churn stops every
 * node's list agrees, and (Plexus) how long a join takes to be seen by every node during the churn.
 *
 * Run: `npm run bench:presence [-- --rate 1000 --seconds 10 --sockets 300 --users 200]`. Not a test: it
 * prints numbers from one run on a shared machine.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { startRedis } from "../test-support/redis-server.js";
import { tsxExecArgv } from "./tsx-exec-argv.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    sockets: { type: "string", default: "300" },
    users: { type: "string", default: "200" },
    lists: { type: "string", default: "50" },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SOCKETS = Number(values.sockets);
const USERS = Number(values.users);
const LISTS = Number(values.lists);
const NODES = 3;

interface Message {
  id?: number;
  result?: unknown;
  event?: string;
  key?: string;
  at?: number;
}

class Node {
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  constructor(readonly child: ChildProcess) {
    child.on("message", (msg: Message) => {
      if (msg.id === undefined) return;
      this.waiting.get(msg.id)?.(msg.result);
      this.waiting.delete(msg.id);
    });
  }
  static async start(impl: string, redisUrl: string): Promise<Node> {
    const child = fork(new URL("./presence-churn-node.ts", import.meta.url).pathname, [], {
      execArgv: tsxExecArgv("PRESENCE_BENCH_NODE_FLAGS"),
      env: { ...process.env, IMPL: impl, REDIS_URL: redisUrl, SOCKETS: String(SOCKETS) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((resolve, reject) => {
      child.on("message", (msg: Message) => msg.event === "ready" && resolve());
      child.once("exit", (code) => reject(new Error(`bench node exited (${code})`)));
    });
    return new Node(child);
  }
  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (value: unknown) => void);
      this.child.send({ id, op, args });
    });
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    await exited;
  }
}

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info("commandstats");
  const out = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(match[1]!, Number(match[2]));
  return out;
}

function total(stats: Map<string, number>, skip: readonly string[] = []): number {
  let n = 0;
  for (const [name, calls] of stats) if (!skip.includes(name)) n += calls;
  return n;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Result {
  perOp: number;
  publishPerOp: number;
  perList: number;
  listMs: number;
  agreeMs: number;
  seenP50: number;
  seenP99: number;
  keys: number;
  ops: number;
}

async function run(impl: "plexus" | "socket.io", redisUrl: string, redis: Redis): Promise<Result> {
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < NODES; i++) nodes.push(await Node.start(impl, redisUrl));
    // Let membership settle (Plexus heartbeats) before counting.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const seen = new Map<string, number[]>();
    for (const node of nodes)
      node.child.on("message", (msg: Message) => {
        if (msg.event !== "seen" || msg.key === undefined || msg.at === undefined) return;
        seen.set(msg.key, [...(seen.get(msg.key) ?? []), msg.at]);
      });
    await redis.config("RESETSTAT");
    const churned = Promise.all(
      nodes.map((n) => n.call<{ joins: number; leaves: number }>("churn", RATE / NODES, SECONDS, USERS)),
    );
    // Probes during the churn: a join on one node, timed until every node raised it.
    const sent = new Map<string, number>();
    let probes = 0;
    let churning = true;
    const prober = (async () => {
      while (impl === "plexus" && churning) {
        const key = `probe-${probes++}`;
        const node = nodes[probes % NODES]!;
        sent.set(key, await node.call<number>("probe", key));
        await new Promise((resolve) => setTimeout(resolve, 250));
        await node.call("unprobe");
      }
    })();
    const counts = await churned;
    churning = false;
    await prober;
    const ops = counts.reduce((n, c) => n + c.joins + c.leaves, 0);
    const afterChurn = await commandStats(redis);
    // Until every node's list agrees (asked over and over right after the churn stopped).
    const stopAt = performance.now();
    let agreeMs = Number.NaN;
    let keys = 0;
    for (let i = 0; i < 10_000; i++) {
      const lists = await Promise.all(nodes.map((n) => n.call<{ text: string; keys: number }>("list")));
      if (lists.every((l) => l.text === lists[0]!.text)) {
        agreeMs = performance.now() - stopAt;
        keys = lists[0]!.keys;
        break;
      }
    }
    // The cost of asking "who is here" on one node.
    await redis.config("RESETSTAT");
    const listMs: number[] = [];
    for (let i = 0; i < LISTS; i++) listMs.push((await nodes[0]!.call<{ ms: number }>("list")).ms);
    const afterLists = await commandStats(redis);
    const skip = ["info", "config|resetstat", "config"];
    const latencies: number[] = [];
    for (const [key, at] of sent) {
      const times = seen.get(key) ?? [];
      if (times.length === NODES) latencies.push(Math.max(...times) - at);
    }
    return {
      perOp: total(afterChurn, skip) / ops,
      publishPerOp: (afterChurn.get("publish") ?? 0) / ops,
      perList: total(afterLists, skip) / LISTS,
      listMs: percentile(listMs, 50),
      agreeMs,
      seenP50: percentile(latencies, 50),
      seenP99: percentile(latencies, 99),
      keys,
      ops,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const server = await startRedis();
const redis = new Redis(server.url);
try {
  const plexus = await run("plexus", server.url, redis);
  const sio = await run("socket.io", server.url, redis);
  const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
  const ratio = (a: number, b: number): string =>
    Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}x` : "n/a";
  const rows: Array<[string, number, number, number?]> = [
    ["Redis commands per join/leave", plexus.perOp, sio.perOp],
    ["  of which PUBLISH", plexus.publishPerOp, sio.publishPerOp],
    ["Redis commands per list (one node)", plexus.perList, sio.perList],
    ["list latency p50 (ms)", plexus.listMs, sio.listMs, 3],
    ["every node's list agrees after (ms)", plexus.agreeMs, sio.agreeMs, 1],
    ["join seen by every node p50 (ms)", plexus.seenP50, Number.NaN, 1],
    ["join seen by every node p99 (ms)", plexus.seenP99, Number.NaN, 1],
  ];
  console.log(
    `\npresence under churn: ${NODES} nodes + Redis, ${RATE} joins/leaves per second for ${SECONDS} s, ` +
      `${SOCKETS} sockets per node, ${USERS} users; done: plexus ${plexus.ops} ops ` +
      `(${(plexus.ops / SECONDS).toFixed(0)}/s), socket.io ${sio.ops} ops (${(sio.ops / SECONDS).toFixed(0)}/s)\n`,
  );
  console.log(
    `${"metric".padEnd(40)} ${"plexus".padStart(10)} ${"socket.io".padStart(10)} ${"ratio".padStart(8)}`,
  );
  for (const [name, a, b, digits] of rows)
    console.log(
      `${name.padEnd(40)} ${fmt(a, digits).padStart(10)} ${fmt(b, digits).padStart(10)} ${ratio(a, b).padStart(8)}`,
    );
  console.log(
    "\nsocket.io: the room joined and a broadcast to it per join/leave; list = fetchSockets() grouped by user " +
      "(it has no replicated list: every list asks every node). Plexus: io.presence(room), list() is local.",
  );
} finally {
  redis.disconnect();
  await server.stop();
}
