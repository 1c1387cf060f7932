// A CommonJS module under `module: nodenext`: `require` conditions, CommonJS-format declarations.
import plexusClient = require("@plexus/client");

import type { InMemoryAdapter } from "@plexus/adapter";
import type { Server as EngineServer } from "@plexus/engine";
import { enableMetrics, type MetricsOptions } from "@plexus/metrics";
import { SOCKET_PROTOCOL } from "@plexus/protocol";
import { createShardedAdapter, type RedisClient } from "@plexus/redis-adapter";
import { Server, type ServerOptions } from "@plexus/server";

const options: Partial<ServerOptions> = { pingInterval: 10_000 };
export const server: Server = new Server(options);
export const socket: plexusClient.Socket = plexusClient.io("http://127.0.0.1:1", { autoConnect: false });
export const protocol: 5 = SOCKET_PROTOCOL;
export type Adapter = InMemoryAdapter;
export type Engine = EngineServer;
export const metricsOptions: MetricsOptions = { node: "consumer", eventLoopLag: false };
export const metrics = (io: Server) => enableMetrics(io, metricsOptions);
export const adapter = (pub: RedisClient, sub: RedisClient) => createShardedAdapter(pub, sub);
