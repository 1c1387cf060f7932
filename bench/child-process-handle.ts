/**
 * The orchestrator's handle on one process it started: typed request/reply over IPC, a timeout on every
 * request, and a stop that ends exactly this process (by its PID) and nothing else.
 */
import { type ChildProcess, fork } from "node:child_process";
import type { CommandMap, ReadyMessage, ReplyMessage, RequestMessage } from "./control-messages.js";

/** Every process started by this orchestrator run, so an interrupted run can still end them all. */
const started = new Set<ChildProcessHandle<CommandMap>>();

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly cmd: string;
}

export interface SpawnOptions {
  /** Script path (TypeScript, run through tsx like the orchestrator). */
  readonly script: string;
  readonly args: readonly string[];
  /** Extra Node flags placed before the tsx loader flags (e.g. `--expose-gc`). */
  readonly nodeFlags?: readonly string[];
  /** Label used in error messages. */
  readonly label: string;
  readonly readyTimeoutMs?: number;
  /** Whether workspace packages load from their TypeScript sources (default) or their built `dist/`. */
  readonly sourceCondition?: boolean;
}

export class ChildProcessHandle<M extends CommandMap> {
  readonly label: string;
  readonly ready: ReadyMessage;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;

  private constructor(child: ChildProcess, label: string, ready: ReadyMessage) {
    this.child = child;
    this.label = label;
    this.ready = ready;
    child.on("message", (message: ReplyMessage) => this.onReply(message));
    child.once("exit", (code, signal) => {
      this.exited = true;
      started.delete(this);
      const error = new Error(`${label} exited (code ${code}, signal ${signal})`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(error);
      }
      this.pending.clear();
    });
  }

  /** Starts the script and waits for its `ready` message. */
  static async spawn<M extends CommandMap>(options: SpawnOptions): Promise<ChildProcessHandle<M>> {
    const child = fork(options.script, [...options.args], {
      execArgv: [
        ...(options.nodeFlags ?? []),
        ...(options.sourceCondition === false ? [] : ["--conditions=source"]),
        "--import",
        "tsx",
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
    });
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${options.label} did not start within ${options.readyTimeoutMs ?? 30000} ms`));
      }, options.readyTimeoutMs ?? 30000);
      child.once("message", (message: ReadyMessage) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.label} exited before ready (code ${code}, signal ${signal})`));
      });
    });
    const handle = new ChildProcessHandle<M>(child, options.label, ready);
    started.add(handle as unknown as ChildProcessHandle<CommandMap>);
    return handle;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request<K extends keyof M & string>(
    cmd: K,
    params: M[K]["params"],
    timeoutMs: number,
  ): Promise<M[K]["result"]> {
    if (this.exited) return Promise.reject(new Error(`${this.label} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: "${cmd}" timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, cmd });
      const message: RequestMessage = { type: "request", id, cmd, params };
      this.child.send(message);
    });
  }

  private onReply(message: ReplyMessage): void {
    if (message.type !== "reply") return;
    const p = this.pending.get(message.id);
    if (p === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.result);
    else p.reject(new Error(`${this.label}: "${p.cmd}" failed: ${message.error}`));
  }

  /** Asks the process to exit, then kills it by PID if it is still there after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    if (this.child.connected) this.child.send({ type: "exit" });
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL to this process only. */
  kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Kills every process this orchestrator started and has not stopped yet (by PID). */
export function killAllStarted(): void {
  for (const handle of started) handle.kill();
}
