// The official TypeScript examples' setup: `module: commonjs` (node10 resolution), typed events.
import { createServer } from "node:http";
import { type Socket as ClientSocket, io } from "@plexus/client";
import { enableMetrics, type PlexusMetrics } from "@plexus/metrics";
import { createAdapter, type RedisClient } from "@plexus/redis-adapter";
import { Server, type Socket } from "@plexus/server";

interface ClientToServer {
  double: (n: number, ack: (doubled: number) => void) => void;
}
interface ServerToClient {
  hello: (text: string) => void;
}

const httpServer = createServer();
const server = new Server<ClientToServer, ServerToClient>(httpServer);
const metrics: PlexusMetrics = enableMetrics(server, { node: "consumer" }).mount();
/** Typed only (no Redis here): the adapter factory takes the application's Redis clients. */
export function redisAdapter(pub: RedisClient, sub: RedisClient) {
  return createAdapter(pub, sub, { key: "consumer" });
}
server.on("connection", (socket: Socket<ClientToServer, ServerToClient>) => {
  socket.on("double", (n, ack) => ack(n * 2));
});
httpServer.listen(0, "127.0.0.1", async () => {
  const address = httpServer.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const socket: ClientSocket<ServerToClient, ClientToServer> = io(`http://127.0.0.1:${address.port}`);
  const doubled: number = await socket.emitWithAck("double", 21);
  if (doubled !== 42) throw new Error(`expected 42, got ${doubled}`);
  if (!/^plexus_connected_sockets\{[^}]*node="consumer"[^}]*\} 1$/m.test(await metrics.metrics()))
    throw new Error("no plexus_connected_sockets sample");
  socket.close();
  server.close();
  console.log("ok");
});
