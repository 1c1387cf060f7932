/**
 * Type tests (checked by `tsc`, never run) of the rest of Socket.IO's typed-events surface: server-side
 * events between nodes (`InterServerEvents`, `serverSideEmit` with acks, `serverSideEmitWithAck`), the
 * `Event` type of packet middlewares, typed `socket.data` through `fetchSockets` and remote sockets.
 * Written as a Socket.IO user would (issue 15: TS2345, `unknown[]` and TS2305 before). Each
 * `@ts-expect-error` line must NOT compile.
 */
import { type Event, type RemoteSocket, Server } from "@plexus/server";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

interface ClientToServerEvents {
  hello: (name: string) => void;
}

interface ServerToClientEvents {
  news: (title: string) => void;
}

interface InterServerEvents {
  ping: (cb: (pong: string) => void) => void;
  count: (cb: (err: Error, n: number) => void) => void;
  sync: (from: string, rooms: string[]) => void;
}

interface SocketData {
  name: string;
  age: number;
}

const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>();

// Listening to another node's events: the listener gets the ack to call.
io.on("ping", (cb) => {
  expectType<Equal<typeof cb, (pong: string) => void>>(true);
  cb("pong");
});
io.on("sync", (from, rooms) => {
  expectType<Equal<typeof from, string>>(true);
  expectType<Equal<typeof rooms, string[]>>(true);
});
// @ts-expect-error wrong listener argument type
io.on("sync", (from: number) => from);

// Emitting with an ack: the callback gets the timeout error first, then every node's response.
io.serverSideEmit("ping", (err, responses) => {
  expectType<Equal<typeof err, Error>>(true);
  expectType<Equal<typeof responses, string[]>>(true);
});
io.serverSideEmit("count", (err, counts) => {
  expectType<Equal<typeof err, Error>>(true);
  expectType<Equal<typeof counts, number[]>>(true);
});
io.serverSideEmit("sync", "node-1", ["a", "b"]);
// @ts-expect-error missing argument
io.serverSideEmit("sync", "node-1");
// @ts-expect-error unknown event
io.serverSideEmit("nope");
// @ts-expect-error wrong ack type
io.serverSideEmit("ping", (_err: Error, responses: number[]) => responses);

async function awaitAcks(): Promise<void> {
  const pongs = await io.serverSideEmitWithAck("ping");
  expectType<Equal<typeof pongs, string[]>>(true);
  // An error-first ack resolves with the values after the error.
  const counts = await io.serverSideEmitWithAck("count");
  expectType<Equal<typeof counts, number[]>>(true);
  const nsp = await io.of("/admin").serverSideEmitWithAck("ping");
  expectType<Equal<typeof nsp, string[]>>(true);
  // @ts-expect-error events without ack cannot be awaited
  await io.serverSideEmitWithAck("sync", "node-1", []);
  // @ts-expect-error the ack must not be given
  await io.serverSideEmitWithAck("ping", () => {});
}
void awaitAcks;

// Namespaces keep the inter-server map.
io.of("/admin").serverSideEmit("ping", (err, responses) => {
  expectType<Equal<typeof err, Error>>(true);
  expectType<Equal<typeof responses, string[]>>(true);
});
io.of("/admin").on("sync", (from) => {
  expectType<Equal<typeof from, string>>(true);
});

// `Event` is what a packet middleware sees: the event name, then its arguments.
io.on("connection", (socket) => {
  socket.use((event: Event, next) => {
    const [name, ...args] = event;
    expectType<Equal<typeof name, string>>(true);
    void args;
    next();
  });
  socket.use(([name], next) => {
    if (name === "hello") next(new Error("no"));
    else next();
  });
  expectType<Equal<typeof socket.data, SocketData>>(true);
  socket.data.name = "ann";
  // @ts-expect-error typed socket data
  socket.data.age = "old";
});

// Remote sockets carry the typed data and emit the typed events.
async function remote(): Promise<void> {
  const sockets = await io.in("room").fetchSockets();
  expectType<Equal<typeof sockets, RemoteSocket<ServerToClientEvents, SocketData>[]>>(true);
  for (const socket of sockets) {
    expectType<Equal<typeof socket.data, SocketData>>(true);
    socket.emit("news", "x");
    // @ts-expect-error wrong argument type
    socket.emit("news", 1);
  }
}
void remote;
