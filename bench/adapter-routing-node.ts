// A node of `adapter-routing.ts` (not a test): a Plexus server with the Redis adapter (argv: "redis" or
// "redis-direct", Redis URL) in its own process, or with the IPC cluster adapter in a node:cluster worker
// (argv: "primary": forks two workers, each on its own port). Reports `{ port, nodeId }` once both nodes
// know each other (routing direct: and each other's internal address).
import cluster from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClusterAdapter } from "@plexus/adapter";
import { createAdapter as createIpcAdapter, setupPrimary } from "@plexus/cluster-adapter";
import { createAdapter as createRedisAdapter } from "@plexus/redis-adapter";
import { Server } from "@plexus/server";
import { Redis } from "ioredis";

const [role, url] = process.argv.slice(2) as ["redis" | "redis-direct" | "primary" | "worker", string?];

if (role === "primary") {
  cluster.setupPrimary({ args: ["worker"], serialization: "advanced" });
  setupPrimary();
  cluster.on("message", (_worker, m: { port?: number }) => {
    if (typeof m?.port === "number") process.send?.(m);
  });
  for (let i = 0; i < 2; i++) cluster.fork();
  process.on("disconnect", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
    process.exit(0);
  });
} else {
  const direct = role === "redis-direct";
  const adapter =
    role === "worker"
      ? createIpcAdapter()
      : createRedisAdapter(new Redis(url!), new Redis(url!), direct ? { sessionRouting: {} } : {});
  const http = createServer();
  const io = new Server(http, { adapter, pingInterval: 60_000 });
  const main = io.of("/").adapter as unknown as ClusterAdapter;
  const formed = (): boolean =>
    main.membership.count >= 2 &&
    (!direct || main.membership.nodes().every((n) => main.sessionRouting()!.directory.addressOf(n)));
  // Each worker on a port of its own (`exclusive`), so the driver can pick the node a request reaches.
  http.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
    const timer = setInterval(() => {
      if (!formed()) return;
      clearInterval(timer);
      process.send?.({ port: (http.address() as AddressInfo).port, nodeId: main.nodeId });
    }, 20);
  });
  if (role !== "worker") process.on("disconnect", () => process.exit(0));
}
