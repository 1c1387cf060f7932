// An ES module under `module: nodenext`: `import` conditions, the client's default export.
import connect, { type Socket as ClientSocket } from "@plexus/client";
import { enableMetrics, type PlexusMetrics } from "@plexus/metrics";
import { createAdapter, type RedisAdapterOptions, type RedisClient } from "@plexus/redis-adapter";
import { Server, type Socket } from "@plexus/server";

interface Events {
  ping: (at: number, ack: (ok: boolean) => void) => void;
}

export const server = new Server<Events, Events>();
server.on("connection", (socket: Socket<Events, Events>) => {
  socket.on("ping", (_at, ack) => ack(true));
});
export const socket: ClientSocket<Events, Events> = connect("http://127.0.0.1:1", { autoConnect: false });
export const ok: Promise<boolean> = socket.timeout(1000).emitWithAck("ping", Date.now());
export const metrics: PlexusMetrics = enableMetrics(server, { eventLoopLag: false });
const redisOptions: RedisAdapterOptions = { key: "consumer" };
export const adapter = (pub: RedisClient, sub: RedisClient) => createAdapter(pub, sub, redisOptions);
