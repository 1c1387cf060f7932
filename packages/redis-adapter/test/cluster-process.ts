/**
 * Test side of `fixtures/cluster-node.ts`: forks one node process and talks to it over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";

export interface NodeSpec {
  readonly kind: "plexus" | "socketio";
  readonly client?: "ioredis" | "node-redis";
  readonly mode?: "classic" | "sharded";
  readonly requestsTimeout?: number;
  /** Another node script (default `fixtures/cluster-node.ts`), e.g. `fixtures/presence-node.ts`. */
  readonly fixture?: string;
}

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string; code?: string; missingNodes?: unknown };
  event?: string;
  port?: number;
  nodeId?: string;
  args?: unknown[];
}

const fixture = new URL("./fixtures/cluster-node.ts", import.meta.url).pathname;

export class NodeProcess {
  readonly child: ChildProcess;
  port = 0;
  nodeId: string | undefined;
  readonly clients: ClientSocket[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  /** Every `{ event }` message so far, oldest first. */
  readonly events: Reply[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on("message", (reply: Reply) => {
      if (reply.event !== undefined) this.events.push(reply);
      if (reply.id === undefined) return;
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  static async start(redisUrl: string, spec: NodeSpec): Promise<NodeProcess> {
    const child = fork(spec.fixture ?? fixture, [], {
      execArgv: ["--conditions=source", "--import", "tsx"],
      serialization: "advanced",
      env: {
        ...process.env,
        KIND: spec.kind,
        CLIENT: spec.client ?? "ioredis",
        MODE: spec.mode ?? "classic",
        REDIS_URL: redisUrl,
        REQUESTS_TIMEOUT: String(spec.requestsTimeout ?? 5000),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const node = new NodeProcess(child);
    const ready = await node.nextEvent("ready");
    node.port = ready.port ?? 0;
    node.nodeId = ready.nodeId;
    return node;
  }

  /** The next `{ event }` message of this node. */
  nextEvent(event: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        if (reply.event !== event) return;
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

  /** The first `{ event }` message matching, past or future. */
  seen(event: string, match: (reply: Reply) => boolean = () => true): Promise<Reply> {
    const past = this.events.find((r) => r.event === event && match(r));
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve) => {
      const onMessage = (reply: Reply): void => {
        if (reply.event !== event || !match(reply)) return;
        this.child.off("message", onMessage);
        resolve(reply);
      };
      this.child.on("message", onMessage);
    });
  }

  /** Runs `op` in the node; rejects with the node's error (code and missingNodes kept). */
  call<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (reply) => {
        if (reply.error !== undefined) reject(Object.assign(new Error(reply.error.message), reply.error));
        else resolve(reply.result as T);
      });
      this.child.send({ id, op, args });
    });
  }

  /** An official client connected to this node (websocket), resolved once connected. */
  async connect(): Promise<ClientSocket> {
    const client = ioc(`http://127.0.0.1:${this.port}`, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
    });
    this.clients.push(client);
    await nextOn(client, "connect");
    return client;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<unknown> {
    for (const c of this.clients) c.disconnect();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = once(this.child, "exit");
    this.child.kill(signal);
    return exited;
  }
}

/** Resolves with the arguments of the next `event` on a client. */
export function nextOn(client: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => client.once(event, (...args: unknown[]) => resolve(args)));
}

/** Joins `room` through the test node's `join` event (resolves once the server-side join resolved). */
export function joinRoom(client: ClientSocket, room: string): Promise<void> {
  return new Promise((resolve) => client.emit("join", room, () => resolve()));
}
