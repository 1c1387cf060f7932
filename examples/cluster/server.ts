/**
 * One node of a chat served by several processes joined through Redis (the README's "Several processes or
 * machines" example). Start Redis, then as many processes as you like:
 *
 *   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/cluster/server.ts
 *   PORT=3002 REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/cluster/server.ts
 *
 * A client of either process joins a room and chats with the clients of every process.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@plexus/redis-adapter";
import { Server } from "@plexus/server";
import { createClient } from "redis";

const pubClient = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
const subClient = pubClient.duplicate();
pubClient.on("error", (err) => console.error("redis:", err.message));
subClient.on("error", (err) => console.error("redis:", err.message));
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });

io.on("connection", (socket) => {
  socket.on("join", async (room: string, ack: (nodes: number) => void) => {
    await socket.join(room); // resolved: broadcasts from every process now reach this socket
    ack(await io.of("/").adapter.serverCount());
  });
  socket.on("chat", (room: string, text: string) => {
    io.to(room).emit("chat", { from: socket.id, text });
  });
});

httpServer.listen(Number(process.env.PORT ?? 3000), () => {
  const { port } = httpServer.address() as AddressInfo;
  console.log(`listening on ${port}`);
  process.send?.({ port });
});

process.on("SIGTERM", async () => {
  await io.close(); // leaves the cluster at once
  await Promise.all([pubClient.quit(), subClient.quit()]);
  process.exit(0);
});
