/**
 * One node of `bench/presence-churn.ts`, run as a child process: a Plexus server with `@plexus/redis-adapter`
 * and `io.presence("lobby")`, or a socket.io@4.8 server with `@socket.io/redis-adapter` doing what
 * applications do without presence (join the room, tell the room with a broadcast, list with
 * `fetchSockets()`). `SOCKETS` raw WebSocket clients of its own (they answer pings and ignore everything
 * else, so that client-side decoding does not weigh on the node) keep connections; the churn tracks and
 * untracks them. Driven over IPC: `{ id, op, args }` → `{ id, result }`; reports `{ event: "seen", key, at }` when
 * a probe key's join reaches this node (Plexus).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@plexus/redis-adapter";
import { Server, type Socket } from "@plexus/server";
import { createAdapter as createSocketIoAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server as SocketIoServer } from "socket.io";
import { WebSocket } from "ws";

const impl = process.env.IMPL ?? "plexus";
const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const count = Number(process.env.SOCKETS ?? 300);
const now = (): number => performance.timeOrigin + performance.now();

const pub = new Redis(url);
const sub = new Redis(url);
const http = createServer();
// biome-ignore lint/suspicious/noExplicitAny: one code path drives both servers' (differently typed) APIs.
const io: any =
  impl === "plexus"
    ? new Server(http, { adapter: createAdapter(pub, sub) })
    : new SocketIoServer(http, { adapter: createSocketIoAdapter(pub, sub) });
const lobby = impl === "plexus" ? (io as Server).presence("lobby", { maxMetasPerKey: 1000 }) : undefined;
lobby?.on("join", (key) => {
  if (key.startsWith("probe-")) process.send?.({ event: "seen", key, at: now() });
});

// biome-ignore lint/suspicious/noExplicitAny: a socket of either server.
const sockets: any[] = [];
const tracked = new Set<number>();
io.on("connection", (socket: Socket) => sockets.push(socket));
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const port = (http.address() as AddressInfo).port;
const clients: WebSocket[] = [];
for (let i = 0; i <= count; i++) {
  const client = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  clients.push(client);
  const connected = new Promise<void>((resolve) => {
    client.on("message", (data: Buffer) => {
      const text = data.toString();
      if (text[0] === "0") client.send("40");
      else if (text === "2") client.send("3");
      else if (text.startsWith("40")) resolve();
    });
  });
  await connected;
}
/** The last socket is kept for probes. */
const probeSocket = sockets.pop();

async function track(i: number, key: string): Promise<void> {
  const socket = sockets[i];
  if (lobby !== undefined) return lobby.track(socket, key, { device: "bench" });
  socket.data = { user: key };
  await socket.join("lobby");
  io.to("lobby").emit("presence", { join: key });
}

function untrack(i: number): void {
  const socket = sockets[i];
  if (lobby !== undefined) {
    lobby.untrack(socket);
    return;
  }
  socket.leave("lobby");
  io.to("lobby").emit("presence", { leave: socket.data.user });
}

/** Sockets whose track is in flight: not picked again until it settled. */
const pending = new Set<number>();

/** `rate` track-or-untrack operations per second on random sockets for `seconds`; counts completed ones. */
function churn(rate: number, seconds: number, users: number): Promise<{ joins: number; leaves: number }> {
  let joins = 0;
  let leaves = 0;
  let due = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= seconds) {
        clearInterval(timer);
        resolve({ joins, leaves });
        return;
      }
      // Catch up with the schedule (timers are late on a loaded machine).
      const target = Math.floor(elapsed * rate);
      for (; due < target; due++) {
        const i = Math.floor(Math.random() * sockets.length);
        if (pending.has(i)) continue;
        if (tracked.has(i)) {
          tracked.delete(i);
          untrack(i);
          leaves++;
          continue;
        }
        pending.add(i);
        track(i, `u${Math.floor(Math.random() * users)}`).then(
          () => {
            pending.delete(i);
            tracked.add(i);
            joins++;
          },
          () => pending.delete(i),
        );
      }
    }, 5);
  });
}

/** Who is in the lobby as this node sees it: a canonical string (key → metas count, sorted). */
async function list(): Promise<{ text: string; keys: number; ms: number }> {
  const start = performance.now();
  const counts = new Map<string, number>();
  if (lobby !== undefined) {
    const state = await lobby.list();
    for (const key of Object.keys(state)) counts.set(key, state[key]!.length);
  } else {
    for (const s of await io.in("lobby").fetchSockets()) {
      const user = (s.data as { user?: string } | undefined)?.user ?? "?";
      counts.set(user, (counts.get(user) ?? 0) + 1);
    }
  }
  const ms = performance.now() - start;
  const text = JSON.stringify([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { text, keys: counts.size, ms };
}

const ops: Record<string, (...args: never[]) => unknown> = {
  churn: (rate: number, seconds: number, users: number) => churn(rate, seconds, users),
  list,
  probe: async (key: string) => {
    const at = now();
    await lobby?.track(probeSocket, key, { device: "probe" });
    return at;
  },
  unprobe: () => lobby?.untrack(probeSocket),
};

process.on("message", async (msg: { id: number; op: string; args: never[] }) => {
  const fn = ops[msg.op];
  let result: unknown;
  try {
    result = fn === undefined ? undefined : await fn(...msg.args);
  } catch (err) {
    result = { error: String(err) };
  }
  process.send?.({ id: msg.id, result });
});
process.on("SIGTERM", () => process.exit(0));
process.send?.({ event: "ready", port });
