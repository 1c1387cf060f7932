/**
 * Three Plexus server processes (fixtures/routed-node.ts) behind the round-robin TCP proxy, joined by a
 * session router in direct or channel mode: the harness of the no-sticky-sessions tests. Every process
 * is ended by its PID on `close()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { IpcChannelHub } from "../../../test-support/ipc-node-channel.js";
import { RoundRobinProxy } from "../../../test-support/round-robin-proxy.js";

const fixture = new URL("./fixtures/routed-node.ts", import.meta.url).pathname;

export type RoutingMode = "direct" | "channel";

interface NodeProcess {
  readonly nodeId: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly address: string | null;
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type?: string }): void => {
      if (m?.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m as T);
    };
    const onExit = (): void => reject(new Error(`node exited while waiting for ${type}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export class RoutedCluster {
  private constructor(
    readonly mode: RoutingMode,
    readonly nodes: NodeProcess[],
    readonly proxy: RoundRobinProxy,
  ) {}

  static async start(mode: RoutingMode, ids: readonly string[] = ["n1", "n2", "n3"]): Promise<RoutedCluster> {
    const hub = new IpcChannelHub();
    const nodes: NodeProcess[] = [];
    try {
      await Promise.all(
        ids.map(async (nodeId) => {
          const child = spawn(
            process.execPath,
            ["--conditions=source", "--import", "tsx", fixture, mode, nodeId, "cluster-secret"],
            { stdio: ["ignore", "inherit", "inherit", "ipc"] },
          );
          nodes.push({ nodeId, child, port: 0, address: null });
          const ready = await nextMessage<{ port: number; address: string | null }>(child, "ready");
          nodes[nodes.findIndex((n) => n.child === child)] = { nodeId, child, ...ready };
          hub.add(nodeId, child);
        }),
      );
      nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
      const synced = nodes.map((n) => nextMessage(n.child, "synced"));
      if (mode === "channel") hub.announce();
      else {
        const entries = Object.fromEntries(nodes.map((n) => [n.nodeId, n.address!]));
        for (const n of nodes) n.child.send({ type: "directory", entries });
      }
      await Promise.all(synced);
    } catch (err) {
      for (const n of nodes) n.child.kill("SIGKILL");
      throw err;
    }
    const proxy = await RoundRobinProxy.start(nodes.map((n) => ({ host: "127.0.0.1", port: n.port })));
    return new RoutedCluster(mode, nodes, proxy);
  }

  get url(): string {
    return this.proxy.url;
  }

  /** Requests forwarded to another node so far, over the live nodes. */
  async forwarded(): Promise<{ forwarded: number; failed: number }> {
    let forwarded = 0;
    let failed = 0;
    for (const n of this.nodes) {
      if (n.child.exitCode !== null || n.child.signalCode !== null) continue;
      const stats = nextMessage<{ forwarded: number; failed: number }>(n.child, "stats");
      n.child.send({ type: "stats" });
      const s = await stats;
      forwarded += s.forwarded;
      failed += s.failed;
    }
    return { forwarded, failed };
  }

  /** SIGKILLs a node and waits for its exit. */
  async kill(nodeId: string): Promise<void> {
    const n = this.nodes.find((x) => x.nodeId === nodeId)!;
    const exited = once(n.child, "exit");
    n.child.kill("SIGKILL");
    await exited;
  }

  async close(): Promise<void> {
    await this.proxy.close();
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.child.exitCode !== null || n.child.signalCode !== null) return;
        const exited = once(n.child, "exit");
        n.child.kill("SIGKILL");
        await exited;
      }),
    );
  }
}
