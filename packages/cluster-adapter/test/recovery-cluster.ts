/**
 * Test side of `fixtures/recovery-primary.ts`: forks the node:cluster primary (which forks the workers on
 * one port), waits for every worker, and drives them: ops, SIGKILL, events seen. Ended by the primary's PID
 * (it SIGKILLs its workers when the test process goes away). Test code only.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";

export interface WorkerMessage {
  type: string;
  nodeId: string;
  id?: number;
  result?: unknown;
  error?: { message: string };
  event?: string;
  port?: number;
  sid?: string;
  [key: string]: unknown;
}

const fixture = new URL("./fixtures/recovery-primary.ts", import.meta.url).pathname;

export class RecoveryWorkers {
  readonly messages: WorkerMessage[] = [];
  nodes: string[] = [];
  port = 0;
  private nextId = 1;

  private constructor(readonly primary: ChildProcess) {
    primary.on("message", (m: WorkerMessage) => this.messages.push(m));
  }

  static async start(
    count: number,
    serialization: "json" | "advanced",
    env: Record<string, string> = {},
  ): Promise<RecoveryWorkers> {
    const primary = fork(fixture, [String(count), serialization], {
      execArgv: ["--conditions=source", "--import", "tsx"],
      serialization: "advanced",
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const workers = new RecoveryWorkers(primary);
    const ready: WorkerMessage[] = [];
    while (ready.length < count) {
      const found = await workers.seen("ready", (m) => !ready.includes(m));
      ready.push(found);
    }
    workers.nodes = ready.map((m) => m.nodeId);
    workers.port = ready[0]!.port!;
    return workers;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The first message of `type` matching, past or future. */
  seen(type: string, match: (m: WorkerMessage) => boolean = () => true): Promise<WorkerMessage> {
    const past = this.messages.find((m) => m.type === type && match(m));
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage): void => {
        if (m.type !== type || !match(m)) return;
        this.primary.off("message", onMessage);
        this.primary.off("exit", onExit);
        resolve(m);
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`primary exited (${code}) before "${type}"`));
      this.primary.on("message", onMessage);
      this.primary.once("exit", onExit);
    });
  }

  /** The connection event of socket `sid` (its node id, `recovered`, rooms, data). */
  connection(sid: string, after = 0): Promise<WorkerMessage> {
    return this.seen(
      "event",
      (m) => m.event === "connection" && m.sid === sid && this.messages.indexOf(m) >= after,
    );
  }

  async call<T = unknown>(nodeId: string, op: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    const reply = this.seen("result", (m) => m.id === id);
    this.primary.send({ type: "op", nodeId, id, op, args });
    const m = await reply;
    if (m.error !== undefined) throw new Error(m.error.message);
    return m.result as T;
  }

  /** Emits `[rooms, except, event, ...args]` from `nodeId`, in order; resolves once they are in the log. */
  emit(nodeId: string, ...emits: Array<[string[], string[], string, ...unknown[]]>): Promise<void> {
    return this.call(nodeId, "emit", emits);
  }

  async kill(nodeId: string): Promise<void> {
    const killed = this.seen("killed", (m) => m.nodeId === nodeId);
    this.primary.send({ type: "kill", nodeId });
    await killed;
    this.nodes = this.nodes.filter((n) => n !== nodeId);
  }

  async close(): Promise<void> {
    if (this.primary.exitCode !== null || this.primary.signalCode !== null) return;
    const exited = once(this.primary, "exit");
    this.primary.disconnect();
    const timer = setTimeout(() => this.primary.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
