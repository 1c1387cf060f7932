/**
 * Test side of the cross-node tests with the official socket.io adapters: a private `redis-server`, server
 * processes (adapter-node.ts, directly or as node:cluster workers), commands to them over IPC, official
 * `socket.io-client` clients, and a clean shutdown that fails the test if a process crashed, exited with a
 * non-zero code or wrote anything to stderr.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { createServer } from "node:net";
import {
  type Socket as ClientSocket,
  io as ioc,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";
import type { NodeConfig } from "./adapter-kinds.js";
import type { CommandArgs, NodeMessage } from "./node-protocol.js";

/** Generous safety net for one command: never reached when things work. */
const COMMAND_TIMEOUT = 20_000;
const EXEC_ARGV = ["--conditions=source", "--import", "tsx"];

export interface RedisProcess {
  readonly port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A `redis-server` of our own on a free port, ready once it says so. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return {
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** One server process as the test sees it. */
export interface TestNode {
  readonly index: number;
  readonly port: number;
  readonly url: string;
  /** Reports of this node (`connection`, `disconnect`, `serverSideEvent`), with their data. */
  readonly reports: EventEmitter;
  call<T = unknown>(op: string, args?: CommandArgs): Promise<T>;
}

export interface TestCluster {
  readonly nodes: readonly TestNode[];
  /** Rejects as soon as a server process fails: waits race it so a crash fails the test at once. */
  readonly failed: Promise<never>;
  readonly config: Omit<NodeConfig, "index">;
  /** An official client on `node` (WebSocket only, no reconnection), connecting. */
  client(node: number, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  /** The same, connected. */
  connect(node: number, opts?: Partial<ManagerOptions & SocketOptions>): Promise<ClientSocket>;
  /** Closes clients and servers; rejects if a process failed or wrote to stderr. */
  close(): Promise<void>;
}

interface Channel {
  readonly process: ChildProcess;
  stderr: string;
}

/**
 * Starts `count` servers with `config`: one child process each, or node:cluster workers of one primary
 * (`kind: "cluster"`). Resolves once every node reported ready.
 */
export async function startCluster(count: number, config: Omit<NodeConfig, "index">): Promise<TestCluster> {
  const channels: Channel[] = [];
  const nodeChannel: Channel[] = [];
  if (config.kind === "cluster") {
    const child = fork(new URL("./cluster-primary.ts", import.meta.url).pathname, [], {
      execArgv: EXEC_ARGV,
      env: { ...process.env, PLEXUS_CLUSTER: JSON.stringify({ count, config }) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const channel = { process: child, stderr: "" };
    channels.push(channel);
    for (let i = 0; i < count; i++) nodeChannel.push(channel);
  } else {
    for (let index = 0; index < count; index++) {
      const child = fork(new URL("./adapter-node.ts", import.meta.url).pathname, [], {
        execArgv: EXEC_ARGV,
        env: { ...process.env, PLEXUS_ADAPTER_NODE: JSON.stringify({ ...config, index }) },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      });
      const channel = { process: child, stderr: "" };
      channels.push(channel);
      nodeChannel.push(channel);
    }
  }

  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const reports = Array.from({ length: count }, () => new EventEmitter());
  const ports: number[] = [];
  let nextId = 0;
  let failure: Error | undefined;
  let fail!: (err: Error) => void;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  const ready = Promise.all(reports.map((r) => once(r, "ready")));
  for (const channel of channels) {
    channel.process.stderr!.on("data", (chunk: Buffer) => {
      channel.stderr += chunk.toString();
    });
    channel.process.stdout!.resume();
    channel.process.on("message", (message: NodeMessage) => {
      if (message?.plexusTest !== true) return;
      if (message.event !== undefined) {
        if (message.event === "ready") ports[message.node] = (message.data as { port: number }).port;
        reports[message.node]!.emit(message.event, message.data);
        return;
      }
      const waiter = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error !== undefined) waiter?.reject(new Error(`node ${message.node}: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    channel.process.once("exit", (code, signal) => {
      if (code === 0) return;
      failure = new Error(`server process exited with ${code ?? signal}: ${channel.stderr}`);
      fail(failure);
      for (const waiter of pending.values()) waiter.reject(failure);
      pending.clear();
      for (const r of reports) if (r.listenerCount("error") > 0) r.emit("error", failure);
    });
  }
  await ready;

  const nodes: TestNode[] = reports.map((r, index) => ({
    index,
    port: ports[index]!,
    url: `http://127.0.0.1:${ports[index]}`,
    reports: r,
    call<T>(op: string, args?: CommandArgs): Promise<T> {
      if (failure !== undefined) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`node ${index}: ${op} got no answer`));
        }, COMMAND_TIMEOUT);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        nodeChannel[index]!.process.send({ plexusTest: true, node: index, id, op, args });
      });
    },
  }));

  const clients: ClientSocket[] = [];
  const client = (node: number, opts: Partial<ManagerOptions & SocketOptions> = {}): ClientSocket => {
    const socket = ioc(nodes[node]!.url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      ...opts,
    });
    clients.push(socket);
    return socket;
  };
  return {
    nodes,
    failed,
    config,
    client,
    async connect(node, opts = {}) {
      const socket = client(node, opts);
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      const exits = channels.map((c) =>
        c.process.exitCode !== null ? Promise.resolve() : once(c.process, "exit").then(() => {}),
      );
      const closed = await Promise.allSettled(nodes.map((n) => n.call("close")));
      // A process that could not take the command (it was failing already) is ended, not waited for.
      if (closed.some((c) => c.status === "rejected")) {
        for (const c of channels) if (c.process.exitCode === null) c.process.kill("SIGKILL");
      }
      await Promise.all(exits);
      if (failure !== undefined) throw failure;
      const stderr = channels.map((c) => c.stderr).join("");
      if (stderr !== "") throw new Error(`server processes wrote to stderr:\n${stderr}`);
    },
  };
}

/** Resolves with the data of the next `event` a node reports. */
export async function nextReport<T>(node: TestNode, event: string): Promise<T> {
  const [data] = (await once(node.reports, event)) as [T];
  return data;
}

/** Resolves with the arguments of the next `event` on a client socket. */
export function nextEvent<T extends unknown[]>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => {
    socket.once(event, (...args: unknown[]) => resolve(args as T));
  });
}
