/**
 * Harness of `adapter-routing.test.ts`: three Plexus nodes joined by an adapter, with no session router
 * configured (the server installs one from the adapter). `redis`: three processes and a Redis of their own
 * behind the round-robin TCP proxy (`redis-direct`: the same, routing straight to the owners' internal
 * listeners advertised in the heartbeats); `cluster`: a node:cluster primary with three workers on one port and
 * the IPC cluster adapter (node:cluster's round-robin is the load balancer). Processes are ended by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { startRedis, type TestRedis } from "../../../test-support/redis-server.js";
import { RoundRobinProxy } from "../../../test-support/round-robin-proxy.js";

export type AdapterKind = "redis" | "redis-direct" | "cluster";

const nodeFixture = new URL("./fixtures/adapter-node.ts", import.meta.url).pathname;
const primaryFixture = new URL("./fixtures/cluster-primary.ts", import.meta.url).pathname;
const NODES = 3;

interface Ready {
  readonly type: "ready";
  readonly port: number;
  readonly nodeId: string;
}

interface Stats {
  readonly type: "stats";
  readonly nodeId: string;
  readonly forwarded: number;
  readonly failed: number;
}

function spawnTs(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["--conditions=source", "--import", "tsx", file, ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** The next `count` messages of `type` from `child`. */
function messages<T>(child: ChildProcess, type: string, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const onMessage = (m: { type?: string }): void => {
      if (m?.type !== type) return;
      got.push(m as T);
      if (got.length < count) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(got);
    };
    const onExit = (): void => reject(new Error(`process exited while waiting for ${type}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function end(child: ChildProcess): Promise<void> {
  if (!alive(child)) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

export class AdapterCluster {
  private constructor(
    readonly kind: AdapterKind,
    /** Redis: one process per node; cluster: the primary. */
    private readonly processes: Map<string, ChildProcess>,
    readonly nodeIds: readonly string[],
    readonly url: string,
    private readonly proxy: RoundRobinProxy | null,
    private readonly redis: TestRedis | null,
  ) {}

  static async start(kind: AdapterKind): Promise<AdapterCluster> {
    if (kind === "cluster") {
      const primary = spawnTs(primaryFixture, [String(NODES)]);
      try {
        const ready = await messages<Ready>(primary, "ready", NODES);
        const ids = ready.map((r) => r.nodeId).sort();
        const url = `http://127.0.0.1:${ready[0]!.port}`;
        return new AdapterCluster(kind, new Map([["primary", primary]]), ids, url, null, null);
      } catch (err) {
        await end(primary);
        throw err;
      }
    }
    const redis = await startRedis();
    const children: ChildProcess[] = [];
    try {
      for (let i = 0; i < NODES; i++) children.push(spawnTs(nodeFixture, [kind, redis.url, String(NODES)]));
      const ready = await Promise.all(children.map((c) => messages<Ready>(c, "ready", 1).then((r) => r[0]!)));
      const proxy = await RoundRobinProxy.start(ready.map((r) => ({ host: "127.0.0.1", port: r.port })));
      const processes = new Map(ready.map((r, i) => [r.nodeId, children[i]!]));
      return new AdapterCluster(kind, processes, [...processes.keys()].sort(), proxy.url, proxy, redis);
    } catch (err) {
      await Promise.all(children.map(end));
      await redis[Symbol.asyncDispose]();
      throw err;
    }
  }

  /** Requests forwarded to another node so far, and forwards that failed, over the live nodes. */
  async forwarded(): Promise<{ forwarded: number; failed: number }> {
    const live = [...this.processes.values()].filter(alive);
    const expected = this.kind === "cluster" ? this.liveNodes : 1;
    const replies = await Promise.all(
      live.map((child) => {
        const stats = messages<Stats>(child, "stats", expected);
        child.send({ type: "stats" });
        return stats;
      }),
    );
    let forwarded = 0;
    let failed = 0;
    for (const s of replies.flat()) {
      forwarded += s.forwarded;
      failed += s.failed;
    }
    return { forwarded, failed };
  }

  private liveNodes = NODES;

  /** SIGKILLs the node `nodeId` (its process, or its worker) and waits until it is gone. */
  async kill(nodeId: string): Promise<void> {
    this.liveNodes--;
    if (this.kind !== "cluster") {
      await end(this.processes.get(nodeId)!);
      return;
    }
    const primary = this.processes.get("primary")!;
    const killed = messages(primary, "killed", 1);
    primary.send({ type: "kill", nodeId });
    await killed;
  }

  async close(): Promise<void> {
    await this.proxy?.close();
    const primary = this.processes.get("primary");
    if (primary !== undefined && alive(primary)) {
      // The primary SIGKILLs its workers when the test lets go of it, then exits.
      const exited = once(primary, "exit");
      primary.disconnect();
      await exited;
    }
    await Promise.all([...this.processes.values()].map(end));
    await this.redis?.[Symbol.asyncDispose]();
  }
}
