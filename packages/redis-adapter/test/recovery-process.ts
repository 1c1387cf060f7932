/**
 * Test side of `fixtures/recovery-node.ts`: forks recovery nodes, puts them behind the round-robin proxy,
 * and offers client helpers (an official or a Plexus client through the proxy, events collected in order).
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { RoundRobinProxy } from "../../../test-support/round-robin-proxy.js";

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string };
  event?: string;
  port?: number;
  nodeId?: string;
  sid?: string;
  [key: string]: unknown;
}

const fixture = new URL("./fixtures/recovery-node.ts", import.meta.url).pathname;

export class RecoveryNode {
  readonly child: ChildProcess;
  port = 0;
  nodeId = "";
  readonly events: Reply[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on("message", (reply: Reply) => {
      if (reply.event !== undefined) this.events.push(reply);
      if (reply.id === undefined) return;
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  static async start(redisUrl: string, env: Record<string, string> = {}): Promise<RecoveryNode> {
    const child = fork(fixture, [], {
      execArgv: ["--conditions=source", "--import", "tsx"],
      serialization: "advanced",
      env: { ...process.env, REDIS_URL: redisUrl, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const node = new RecoveryNode(child);
    const ready = await node.seen("ready");
    node.port = ready.port ?? 0;
    node.nodeId = ready.nodeId ?? "";
    return node;
  }

  /** The first `{ event }` message matching, past or future. */
  seen(event: string, match: (reply: Reply) => boolean = () => true): Promise<Reply> {
    const past = this.events.find((r) => r.event === event && match(r));
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        if (reply.event !== event || !match(reply)) return;
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(reply);
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`node exited (${code}) before "${event}"`));
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
    });
  }

  call<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (reply) => {
        if (reply.error !== undefined) reject(new Error(reply.error.message));
        else resolve(reply.result as T);
      });
      this.child.send({ id, op, args });
    });
  }

  /** Emits `[rooms, except, event, ...args]` in order; resolves once they are in the log. */
  emit(...emits: Array<[string[], string[], string, ...unknown[]]>): Promise<void> {
    return this.call("emit", emits);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<unknown> {
    if (!this.alive) return Promise.resolve();
    const exited = once(this.child, "exit");
    this.child.kill(signal);
    return exited;
  }
}

export interface RecoveryCluster {
  readonly nodes: RecoveryNode[];
  readonly proxy: RoundRobinProxy;
  /** The node whose port is `port` (each node tells its connections which port it listens on). */
  nodeOf(socketId: string): Promise<RecoveryNode>;
  close(): Promise<void>;
}

export async function startRecoveryCluster(
  redisUrl: string,
  count: number,
  env: Record<string, string> = {},
): Promise<RecoveryCluster> {
  const nodes = await Promise.all(Array.from({ length: count }, () => RecoveryNode.start(redisUrl, env)));
  const proxy = await RoundRobinProxy.start(nodes.map((n) => ({ host: "127.0.0.1", port: n.port })));
  return {
    nodes,
    proxy,
    nodeOf: (socketId) =>
      Promise.race(nodes.map((n) => n.seen("connection", (r) => r.sid === socketId).then(() => n))),
    async close() {
      await proxy.close();
      await Promise.all(nodes.map((n) => n.kill()));
    },
  };
}

/** Resolves with the arguments of the next `event` of a client. */
export function nextOn(
  client: { once(event: string, fn: (...args: unknown[]) => void): unknown },
  event: string,
): Promise<unknown[]> {
  return new Promise((resolve) => client.once(event, (...args: unknown[]) => resolve(args)));
}

/** What a client received, in order: `[event, ...args]` with the offset stripped off. */
export function collect(client: {
  onAny(fn: (event: string, ...args: unknown[]) => void): unknown;
}): unknown[][] {
  const got: unknown[][] = [];
  client.onAny((event, ...args) => {
    got.push([event, ...args.slice(0, -1)]);
  });
  return got;
}

/** Resolves once `got` holds `n` events. */
export function received(
  client: { on(event: string, fn: () => void): unknown; onAny(fn: () => void): unknown },
  got: unknown[][],
  n: number,
): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (got.length >= n) resolve();
    };
    client.onAny(() => queueMicrotask(check));
    check();
  });
}
