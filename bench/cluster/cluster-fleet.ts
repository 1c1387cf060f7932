/**
 * One target's cluster for the cluster benchmark: `nodes` node processes (`cluster-node.ts`) on one Redis,
 * and raw-protocol WebSocket clients from load-generator processes (`bench/load-generator.ts`, one or more
 * per node, each bound to its own loopback source address). Clients only ever grow within a fleet, so
 * sections that need many clients run after those that need few. Everything is stopped by PID.
 */
import { ChildProcessHandle } from "../child-process-handle.js";
import type { GeneratorCommands } from "../control-messages.js";
import type { ClusterNodeCommands, ClusterTarget, NodeStats } from "./cluster-messages.js";

export type NodeHandle = ChildProcessHandle<ClusterNodeCommands>;
export type GeneratorHandle = ChildProcessHandle<GeneratorCommands>;

/** Most clients one generator holds (the open-file limit is 20,000 per process). */
const PER_GENERATOR = 5000;
const nodeScript = new URL("./cluster-node.ts", import.meta.url).pathname;
const generatorScript = new URL("../load-generator.ts", import.meta.url).pathname;

let addressCounter = 0;
const addressOctet = 10 + Math.floor(Math.random() * 200);
/** A fresh loopback source address per generator (a full ephemeral port range each, no TIME_WAIT clashes). */
function nextLoopbackAddress(): string {
  const n = addressCounter++;
  return `127.${addressOctet}.${(n >> 8) & 255}.${1 + (n % 250)}`;
}

export interface FleetGenerator {
  readonly handle: GeneratorHandle;
  /** Index of the node its clients are connected to. */
  readonly node: number;
  readonly localAddress: string;
  clients: number;
}

export class ClusterFleet {
  readonly target: ClusterTarget;
  readonly nodes: readonly NodeHandle[];
  readonly generators: FleetGenerator[] = [];

  private constructor(target: ClusterTarget, nodes: readonly NodeHandle[]) {
    this.target = target;
    this.nodes = nodes;
  }

  /**
   * Starts the nodes (node `i` makes its sockets join `roomsOf(i)`) and waits until every node counts
   * all of them (`serverCount()`).
   */
  static async start(
    target: ClusterTarget,
    redisUrl: string,
    nodeCount: number,
    roomsOf: (node: number) => readonly string[],
  ): Promise<ClusterFleet> {
    const started = await Promise.allSettled(
      Array.from({ length: nodeCount }, (_, i) =>
        ChildProcessHandle.spawn<ClusterNodeCommands>({
          script: nodeScript,
          args: [
            "--impl",
            target.impl,
            "--mode",
            target.mode,
            "--redis",
            redisUrl,
            "--rooms",
            roomsOf(i).join(","),
          ],
          // e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=bench/results/profiles" to profile the nodes.
          nodeFlags: (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean),
          label: `${target.name} node ${i}`,
        }),
      ),
    );
    const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const fleet = new ClusterFleet(target, nodes);
    const failed = started.find((s) => s.status === "rejected");
    if (failed !== undefined) {
      await fleet.stop();
      throw (failed as PromiseRejectedResult).reason;
    }
    await fleet.waitFormed(30_000);
    return fleet;
  }

  /** Waits until every node's `serverCount()` is the node count. */
  async waitFormed(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const counts = await Promise.all(this.nodes.map((n) => n.request("server-count", {}, timeoutMs)));
      if (counts.every((c) => c === this.nodes.length)) return;
      if (performance.now() > deadline)
        throw new Error(`${this.target.name}: node counts ${counts.join(",")} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Clients connected to node `i`. */
  clientsOn(node: number): number {
    return this.generators.filter((g) => g.node === node).reduce((s, g) => s + g.clients, 0);
  }

  get totalClients(): number {
    return this.generators.reduce((s, g) => s + g.clients, 0);
  }

  /** Grows every node to `perNode` clients (new generators as needed); waits until the nodes count them. */
  async growTo(perNode: number, concurrency: number): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node, i) => {
        let missing = perNode - this.clientsOn(i);
        while (missing > 0) {
          let gen = this.generators.find((g) => g.node === i && g.clients < PER_GENERATOR);
          if (gen === undefined) {
            const handle = await ChildProcessHandle.spawn<GeneratorCommands>({
              script: generatorScript,
              args: [],
              label: `${this.target.name} generator for node ${i}`,
            });
            gen = { handle, node: i, localAddress: nextLoopbackAddress(), clients: 0 };
            this.generators.push(gen);
          }
          const count = Math.min(missing, PER_GENERATOR - gen.clients);
          const result = await gen.handle.request(
            "connect",
            {
              host: "127.0.0.1",
              port: node.ready.port,
              path: "/socket.io/",
              transport: "websocket",
              level: "socket",
              count,
              localAddress: gen.localAddress,
              concurrency,
            },
            300_000,
          );
          gen.clients += result.connected;
          if (result.failed > 0)
            throw new Error(
              `${node.label}: ${result.failed} clients failed to connect (${result.firstError})`,
            );
          missing -= result.connected;
        }
        await node.request("wait-clients", { count: perNode }, 60_000);
      }),
    );
  }

  async stats(): Promise<NodeStats[]> {
    return Promise.all(this.nodes.map((n) => n.request("stats", {}, 30_000)));
  }

  /** Stops generators first (their clients close), then the nodes; by PID, killed if they hang. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.generators.map((g) => g.handle.stop()));
    await Promise.allSettled(this.nodes.map((n) => n.stop(5000)));
  }
}
