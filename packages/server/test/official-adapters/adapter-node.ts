/**
 * One Plexus server process of a cross-node test, running an official socket.io adapter (adapter-kinds.ts).
 * Spawned by the test (or by cluster-primary.ts as a node:cluster worker); it answers the test's commands
 * over IPC (`process.send`) with the results of the server API, and reports what happens to it (its
 * sockets' connections and disconnections, server-side events). Any uncaught error ends it with a non-zero
 * code and a stack trace on stderr, which the test treats as a failure.
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RemoteSocket, Server, type ServerOptions, type Socket } from "@plexus/server";
import { type AdapterKit, buildKit, type NodeConfig } from "./adapter-kinds.js";
import { type NodeCommand, type NodeMessage, revive } from "./node-protocol.js";

const config = JSON.parse(process.env.PLEXUS_ADAPTER_NODE ?? "{}") as NodeConfig;
const index = config.index;

function send(message: Omit<NodeMessage, "plexusTest" | "node">): void {
  process.send?.({ plexusTest: true, node: index, ...message });
}

function report(event: string, data: unknown): void {
  send({ event, data });
}

const kit: AdapterKit = await buildKit(config);
const options: Partial<ServerOptions> = {};
if (config.recovery === true) options.connectionStateRecovery = { maxDisconnectionDuration: 60_000 };
if (config.late !== true) options.adapter = kit.factory;
const http = createServer();
const io = new Server(http, options);
// `io.adapter(createAdapter(...))` after `new Server(httpServer)`, as the official docs show it.
if (config.late === true) io.adapter(kit.factory);

const nsp = io.of("/");
/** Something arrived from another node: heartbeat-based membership may have changed. */
const activity = new EventEmitter();
watchMessages();

io.on("connection", (socket: Socket) => {
  socket.data = { node: index };
  report("connection", { id: socket.id, recovered: socket.recovered, pid: socket.pid ?? null });
  socket.on("join", async (room: string, ack: () => void) => {
    await socket.join(room);
    await kit.joined();
    ack();
  });
  socket.on("disconnect", (reason) => report("disconnect", { id: socket.id, reason }));
});
io.on("notice", (...args: unknown[]) => report("serverSideEvent", { args }));
io.on("ping-nodes", (arg: unknown, ack: (answer: string) => void) => ack(`pong ${index} ${String(arg)}`));

http.listen({ port: 0, host: "127.0.0.1", exclusive: true });
await new Promise<void>((resolve) => http.once("listening", resolve));
await kit.ready(() => (nsp.adapter as unknown as { uid: string }).uid);
report("ready", { port: (http.address() as AddressInfo).port });

process.on("message", (message: NodeCommand) => {
  if (message?.plexusTest !== true || message.node !== index || message.op === undefined) return;
  run(message).then(
    (result) => send({ id: message.id, result: result ?? null }),
    (err: Error) => send({ id: message.id, error: String(err?.stack ?? err) }),
  );
});

function target(rooms: readonly string[] | undefined, except: readonly string[] | undefined) {
  let op = io.to(rooms ?? []);
  if (except !== undefined) op = op.except(except);
  return op;
}

async function run(command: NodeCommand): Promise<unknown> {
  const a = command.args ?? {};
  switch (command.op) {
    case "emit":
      target(a.rooms, a.except).emit(a.event!, ...revive(a.args ?? []));
      return null;
    case "emitWithAck":
      return target(a.rooms, a.except)
        .timeout(a.timeout ?? 5000)
        .emitWithAck(a.event!, ...revive(a.args ?? []));
    case "fetchSockets": {
      const sockets = await target(a.rooms, a.except).fetchSockets();
      return sockets.map((s) => ({
        id: s.id,
        rooms: [...s.rooms].sort(),
        data: s.data,
        remote: s instanceof RemoteSocket,
        handshakeUrl: s.handshake.url,
      }));
    }
    case "remoteEmit": {
      const found = (await io.fetchSockets()).find((s) => s.id === a.id);
      if (found === undefined) throw new Error(`no socket ${a.id}`);
      found.emit(a.event!, ...revive(a.args ?? []));
      return { remote: found instanceof RemoteSocket };
    }
    case "serverSideEmit":
      if (a.ack === true) return io.serverSideEmitWithAck(a.event!, ...revive(a.args ?? []));
      io.serverSideEmit(a.event!, ...revive(a.args ?? []));
      return null;
    case "socketsJoin":
      target(a.rooms, a.except).socketsJoin(a.room!);
      return null;
    case "socketsLeave":
      target(a.rooms, a.except).socketsLeave(a.room!);
      return null;
    case "disconnectSockets":
      target(a.rooms, a.except).disconnectSockets(a.close === true);
      return null;
    case "awaitRoom":
      return awaitRoom(a.room!, a.count!);
    case "serverCount":
      return nsp.adapter.serverCount();
    case "awaitServerCount":
      return awaitServerCount(a.count!);
    case "flush":
      return kit.flush();
    case "close":
      try {
        await io.close();
        await kit.close();
      } catch (err) {
        // Reported on stderr (the test fails on it), and the process still ends.
        console.error(err);
        process.exitCode = 1;
      }
      setImmediate(() => process.exit());
      return null;
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

/** Resolves once `count` local sockets are in `room` (the adapter's room events, no polling). */
function awaitRoom(room: string, count: number): Promise<number> {
  const size = (): number => nsp.adapter.rooms.get(room)?.size ?? 0;
  if (size() === count) return Promise.resolve(count);
  return new Promise((resolve) => {
    const check = (changed: string): void => {
      if (changed !== room || size() !== count) return;
      nsp.adapter.off("join-room", check);
      nsp.adapter.off("leave-room", check);
      resolve(count);
    };
    nsp.adapter.on("join-room", check);
    nsp.adapter.on("leave-room", check);
  });
}

/** Resolves once the adapter counts `count` servers, re-checking whenever another node's message arrives. */
async function awaitServerCount(count: number): Promise<number> {
  for (;;) {
    const now = await nsp.adapter.serverCount();
    if (now === count) return now;
    await new Promise((resolve) => activity.once("message", resolve));
  }
}

/** ClusterAdapter subclasses take every message of another node through `onMessage`. */
function watchMessages(): void {
  const adapter = nsp.adapter as unknown as { onMessage?: (...args: unknown[]) => unknown };
  const original = adapter.onMessage;
  if (typeof original !== "function") return;
  adapter.onMessage = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    activity.emit("message");
    return result;
  };
}
