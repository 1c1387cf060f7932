/**
 * The README's two-process example really runs: two processes of examples/cluster/server.ts on one Redis,
 * a client on each, a chat message crossing from one to the other.
 */
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { io as ioc, type Socket } from "socket.io-client";
import { startRedis } from "../../test-support/redis-server.js";

function on<T extends unknown[]>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args as T)));
}

test("two processes of the example chat through Redis", async () => {
  await using redis = await startRedis();
  const children = [0, 1].map(() =>
    fork(new URL("./server.ts", import.meta.url).pathname, [], {
      execArgv: ["--conditions=source", "--import", "tsx"],
      env: { ...process.env, PORT: "0", REDIS_URL: redis.url },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    }),
  );
  const clients: Socket[] = [];
  try {
    const ports = await Promise.all(
      children.map(async (c) => ((await once(c, "message")) as [{ port: number }])[0].port),
    );
    for (const port of ports) {
      const client = ioc(`http://127.0.0.1:${port}`, { forceNew: true, transports: ["websocket"] });
      clients.push(client);
      await on(client, "connect");
    }
    const [alice, bob] = clients as [Socket, Socket];
    // Each join answers with the node count; the second process may take a heartbeat to see the first.
    await alice.emitWithAck("join", "lobby");
    await bob.emitWithAck("join", "lobby");
    const got = on<[{ text: string }]>(bob, "chat");
    alice.emit("chat", "lobby", "hi from the other process");
    assert.equal((await got)[0].text, "hi from the other process");
  } finally {
    for (const c of clients) c.disconnect();
    await Promise.all(
      children.map(async (c) => {
        const exited = once(c, "exit");
        c.kill("SIGTERM");
        await exited;
      }),
    );
  }
});
