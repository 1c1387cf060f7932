/**
 * Type tests (checked by `tsc`, never run): what the official socket.io adapter packages' `createAdapter`
 * functions return is accepted by the `adapter` option and by `io.adapter(v)` without casts, as in
 * socket.io; a value that is no adapter factory is not.
 */
import { InMemoryAdapter } from "@plexus/adapter";
import { Server } from "@plexus/server";
import { createAdapter as createClusterAdapter } from "@socket.io/cluster-adapter";
import { createAdapter as createPostgresAdapter } from "@socket.io/postgres-adapter";
import { createAdapter as createRedisAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import { Adapter, SessionAwareAdapter } from "socket.io-adapter";

const pub = new Redis();
const io = new Server({ adapter: createRedisAdapter(pub, pub.duplicate()) });
io.adapter(createShardedAdapter(createClient(), createClient()));
io.adapter(createClusterAdapter());
io.adapter(createStreamsAdapter(pub));
io.adapter(createPostgresAdapter(new pg.Pool()));
io.adapter(Adapter);
io.adapter(SessionAwareAdapter);
io.adapter(InMemoryAdapter);
new Server({ adapter: (nsp) => new Adapter(nsp) });

// @ts-expect-error not an adapter class nor a function
new Server({ adapter: "redis" });
// @ts-expect-error a function that does not return an adapter
io.adapter(() => 42);
