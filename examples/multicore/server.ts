/**
 * Every core of one machine, one port, no Redis and no sticky module (README "Every core, one port"): the
 * primary forks one worker per core and relays the adapter's messages; each worker runs the same chat
 * server with `@plexus/cluster-adapter`. node:cluster's round-robin hands each TCP connection to the next
 * worker; a long-polling request that reaches a worker other than its session's owner is routed there by
 * the server itself, so any client works, polling-only included.
 *
 *   PORT=3000 node --import tsx examples/multicore/server.ts      (WORKERS=4 to choose the count)
 */
import cluster from "node:cluster";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { createAdapter, setupPrimary } from "@plexus/cluster-adapter";
import { Server } from "@plexus/server";

const port = Number(process.env.PORT ?? 3000);

if (cluster.isPrimary) {
  setupPrimary(); // relays the workers' cluster messages
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  for (let i = 0; i < workers; i++) cluster.fork();
  let listening = 0;
  cluster.on("listening", (_worker, address) => {
    if (++listening !== workers) return;
    console.log(`${workers} workers listening on ${address.port}`);
    process.send?.({ port: address.port });
  });
  cluster.on("exit", (worker, code, signal) => {
    if (signal === null && code === 0) return;
    console.error(`worker ${worker.process.pid} died (${signal ?? code}), starting another`);
    cluster.fork();
  });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const httpServer = createServer();
  const io = new Server(httpServer, { adapter: createAdapter() });

  io.on("connection", (socket) => {
    socket.on("join", async (room: string, ack: (workers: number) => void) => {
      await socket.join(room);
      ack(await io.of("/").adapter.serverCount());
    });
    socket.on("chat", (room: string, text: string) => {
      io.to(room).emit("chat", { from: socket.id, text });
    });
  });

  httpServer.listen(port);
  process.on("SIGTERM", async () => {
    await io.close(); // leaves the cluster at once
    process.exit(0);
  });
}
