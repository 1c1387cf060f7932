// An application built by a bundler (`moduleResolution: bundler`): `import` conditions, named exports.

import { InMemoryAdapter } from "@plexus/adapter";
import { io, type Socket } from "@plexus/client";
import type { MetricsOptions } from "@plexus/metrics";
import { createAdapter, type RedisClient } from "@plexus/redis-adapter";
import type { ServerOptions } from "@plexus/server";

export const options: Partial<ServerOptions> = { adapter: InMemoryAdapter };
export const socket: Socket = io({ autoConnect: false });
export const metricsOptions: MetricsOptions = { node: "consumer" };
export const redisAdapter = (pub: RedisClient, sub: RedisClient) => createAdapter(pub, sub);
