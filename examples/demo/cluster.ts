/**
 * `npm run start:cluster`: the demo on 3 nodes behind a round-robin load balancer, joined through Redis.
 * Starts its own `redis-server` (persistence off, a free port), 3 processes of server.ts (nodes a, b, c;
 * the adapter routes requests to their session's node, so no sticky sessions), and a round-robin TCP
 * proxy on `PORT` (default 3000) that sends each new connection to the next node. Open several tabs: their connections land on different
 * nodes (each message says which), and chat, members and figures cross nodes. Ctrl-C stops everything.
 * Part of the demo (examples/demo), not of the library.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { once } from "node:events";
import { startRedis } from "../../test-support/redis-server.js";
import { RoundRobinProxy } from "../../test-support/round-robin-proxy.js";

const NODES = ["a", "b", "c"];

if (spawnSync("redis-server", ["--version"]).error !== undefined) {
  console.error("start:cluster needs redis-server on the PATH (Debian: sudo apt-get install redis-server).");
  process.exit(1);
}

const redis = await startRedis();
const children: ChildProcess[] = NODES.map((id) =>
  fork(new URL("./server.ts", import.meta.url).pathname, [], {
    execArgv: ["--conditions=source", "--import", "tsx"],
    env: { ...process.env, PORT: "0", NODE_ID: id, REDIS_URL: redis.url },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  }),
);
let proxy: RoundRobinProxy | undefined;

/** Stops the nodes, the proxy and Redis (every process this launcher started), then exits. */
async function stop(code: number): Promise<never> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }),
  );
  await proxy?.close();
  await redis.stop();
  process.exit(code);
}
process.once("SIGINT", () => stop(0));
process.once("SIGTERM", () => stop(0));

try {
  const ports = await Promise.all(
    children.map(async (child) => {
      const [message] = (await Promise.race([once(child, "message"), once(child, "exit")])) as [unknown];
      if (typeof (message as { port?: unknown } | null)?.port !== "number")
        throw new Error("a node did not start");
      return (message as { port: number }).port;
    }),
  );
  proxy = await RoundRobinProxy.start(
    ports.map((port) => ({ host: "127.0.0.1", port })),
    Number(process.env.PORT ?? 3000),
  );
  console.log(
    `Plexus demo cluster (nodes ${NODES.join(", ")}, Redis on ${redis.port}) on http://localhost:${proxy.port}`,
  );
} catch (err) {
  console.error(`start:cluster failed: ${(err as Error).message}`);
  await stop(1);
}
