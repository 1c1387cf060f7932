/**
 * The node:cluster primary of the `@socket.io/cluster-adapter` test, set up as that package documents it
 * (`setupPrimary()` relays the adapter's messages between workers). It forks one Plexus server per worker
 * (adapter-node.ts, each on its own port) and relays the test's commands and the workers' answers over
 * its own IPC channel with the test. It exits once every worker has, with the first non-zero code seen.
 */
import cluster from "node:cluster";
import { setupPrimary } from "@socket.io/cluster-adapter";
import type { NodeConfig } from "./adapter-kinds.js";
import type { NodeCommand, NodeMessage } from "./node-protocol.js";

const { count, config } = JSON.parse(process.env.PLEXUS_CLUSTER ?? "{}") as {
  count: number;
  config: Omit<NodeConfig, "index">;
};

setupPrimary();
cluster.setupPrimary({
  exec: new URL("./adapter-node.ts", import.meta.url).pathname,
  execArgv: ["--conditions=source", "--import", "tsx"],
  // As the package's README says: needed for packets containing buffers.
  serialization: "advanced",
});

const workers = new Map<number, ReturnType<typeof cluster.fork>>();
let exitCode = 0;
let running = count;
for (let index = 0; index < count; index++) {
  const worker = cluster.fork({ PLEXUS_ADAPTER_NODE: JSON.stringify({ ...config, index }) });
  workers.set(index, worker);
  worker.on("message", (message: NodeMessage) => {
    if (message?.plexusTest === true) process.send?.(message);
  });
  worker.on("exit", (code, signal) => {
    if (code !== 0 || signal !== null) exitCode ||= code ?? 1;
    if (--running === 0) process.exit(exitCode);
  });
}

process.on("message", (message: NodeCommand) => {
  if (message?.plexusTest === true) workers.get(message.node)?.send(message);
});
