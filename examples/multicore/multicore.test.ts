/**
 * The README's multicore recipe really runs: examples/multicore/server.ts with 3 workers on one port,
 * polling-only clients (their requests land on any worker), a chat message crossing workers, and every
 * worker counted by the adapter.
 */
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { io as ioc, type Socket } from "socket.io-client";

function on<T extends unknown[]>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args as T)));
}

test("3 workers on one port chat over IPC, polling-only clients, no sticky module", {
  timeout: 60_000,
}, async () => {
  const primary = fork(new URL("./server.ts", import.meta.url).pathname, [], {
    execArgv: ["--conditions=source", "--import", "tsx"],
    env: { ...process.env, PORT: "0", WORKERS: "3" },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const clients: Socket[] = [];
  try {
    const [{ port }] = (await once(primary, "message")) as [{ port: number }];
    for (let i = 0; i < 4; i++) {
      const client = ioc(`http://127.0.0.1:${port}`, { forceNew: true, transports: ["polling"] });
      client.on("connect_error", (e) => assert.fail(`connect_error: ${e.message}`));
      clients.push(client);
      await on(client, "connect");
    }
    // The join answers with the worker count once every worker's heartbeat was heard.
    let workers = 0;
    while (workers < 3) workers = (await clients[0]!.emitWithAck("join", "lobby")) as number;
    for (const c of clients.slice(1)) await c.emitWithAck("join", "lobby");
    const got = Promise.all(clients.slice(1).map((c) => on<[{ text: string }]>(c, "chat")));
    clients[0]!.emit("chat", "lobby", "hi from another worker");
    for (const [message] of await got) assert.equal(message.text, "hi from another worker");
  } finally {
    for (const c of clients) c.disconnect();
    const exited = once(primary, "exit");
    primary.kill("SIGTERM");
    await exited;
  }
});
