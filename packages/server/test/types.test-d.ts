/**
 * Type tests of the typed-event API, checked by `tsc` (never run). Each `@ts-expect-error` line must NOT
 * compile; everything else must. Pins down ack and `emitWithAck` typing, including Socket.IO's known
 * weak spots: events without arguments, argument counts with `emitWithAck`, broadcast ack responses.
 */
import { type DisconnectReason, Server, type Socket } from "@plexus/server";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

interface ClientToServer {
  hello: () => void;
  chat: (text: string, room: number) => void;
  add: (a: number, b: number, ack: (sum: number) => void) => void;
}

interface ServerToClient {
  ping: () => void;
  news: (title: string) => void;
  question: (q: string, ack: (answer: boolean) => void) => void;
  withError: (ack: (err: Error, value: string) => void) => void;
}

interface InterServer {
  sync: (n: number) => void;
}

interface Data {
  user: string;
}

const io = new Server<ClientToServer, ServerToClient, InterServer, Data>();

io.on("connection", (socket) => {
  expectType<Equal<typeof socket, Socket<ClientToServer, ServerToClient, InterServer, Data>>>(true);
  expectType<Equal<typeof socket.data, Data>>(true);

  // Listening: typed arguments, events without arguments accepted.
  socket.on("hello", () => {});
  socket.on("chat", (text, room) => {
    expectType<Equal<typeof text, string>>(true);
    expectType<Equal<typeof room, number>>(true);
  });
  socket.on("add", (a, b, ack) => ack(a + b));
  socket.on("disconnect", (reason) => {
    expectType<Equal<typeof reason, DisconnectReason>>(true);
  });
  // @ts-expect-error wrong listener argument type
  socket.on("chat", (text: number) => text);

  // Emitting.
  socket.emit("ping");
  socket.emit("news", "title");
  socket.emit("question", "q?", (answer) => {
    expectType<Equal<typeof answer, boolean>>(true);
  });
  // @ts-expect-error missing argument
  socket.emit("news");
  // @ts-expect-error too many arguments
  socket.emit("ping", 1);
  // @ts-expect-error unknown event
  socket.emit("nope");
  // @ts-expect-error wrong argument type
  socket.emit("news", 42);

  // emitWithAck: the ack is not passed, the promise resolves with its first argument.
  const answer = socket.emitWithAck("question", "q?");
  expectType<Equal<typeof answer, Promise<boolean>>>(true);
  // @ts-expect-error events without ack cannot be awaited
  socket.emitWithAck("news", "x");
  // @ts-expect-error wrong argument count
  socket.emitWithAck("question");
  // @ts-expect-error the ack must not be given
  socket.emitWithAck("question", "q?", () => {});
  // An ack whose first parameter is the error resolves with the second.
  expectType<Equal<Awaited<ReturnType<typeof socket.emitWithAck<"withError">>>, string>>(true);

  // timeout(): the ack gets the error first.
  socket.timeout(1000).emit("question", "q?", (err, answer2) => {
    expectType<Equal<typeof err, Error>>(true);
    expectType<Equal<typeof answer2, boolean>>(true);
  });
  const timed = socket.timeout(1000).emitWithAck("question", "q?");
  expectType<Equal<typeof timed, Promise<boolean>>>(true);

  // Broadcast operators.
  socket.broadcast.emit("news", "x");
  socket.to("room").except(["a", "b"]).volatile.compress(false).emit("ping");
  // @ts-expect-error wrong broadcast argument
  socket.to("room").emit("news", 1);
});

// Server-level broadcasts: acks collect one response per client.
io.emit("news", "hello");
io.to("room").emit("ping");
io.timeout(1000).emit("question", "q?", (err, answers) => {
  expectType<Equal<typeof err, Error>>(true);
  expectType<Equal<typeof answers, boolean[]>>(true);
});
const all = io.timeout(1000).emitWithAck("question", "q?");
expectType<Equal<typeof all, Promise<boolean[]>>>(true);
// @ts-expect-error missing argument
io.emit("news");
// @ts-expect-error unknown event
io.to("x").emit("unknown");

// Server-side events.
io.serverSideEmit("sync", 1);
// @ts-expect-error wrong server-side argument
io.serverSideEmit("sync", "1");
io.on("sync", (n) => {
  expectType<Equal<typeof n, number>>(true);
});

// fetchSockets returns typed data.
void io.fetchSockets().then((sockets) => {
  for (const s of sockets) {
    expectType<Equal<typeof s.data, Data>>(true);
    s.emit("news", "x");
  }
});

// Namespaces keep the generics.
const admin = io.of("/admin");
admin.use((socket, next) => {
  socket.data.user = "root";
  next();
});
admin.on("connection", (socket) => {
  socket.emit("news", "admin");
});

// Untyped server: everything goes, acks resolve to any.
const untyped = new Server();
untyped.on("connection", (socket) => {
  socket.emit("anything", 1, "two", { three: 3 });
  socket.on("whatever", (...args) => args);
  void socket.emitWithAck("anything", 1).then((v) => v.foo);
  socket.timeout(10).emit("x", (_err: Error, _v: unknown) => {});
});
untyped.emit("x", 1);
void untyped.timeout(10).emitWithAck("x");

// The untyped server's connection listener still gets a typed socket.
untyped.on("connection", (socket) => {
  expectType<Equal<typeof socket, Socket>>(true);
  socket.request.headers.host?.toString();
});

// An event whose only parameter is the ack: emitWithAck takes no argument.
io.on("connection", (socket) => {
  const v = socket.emitWithAck("withError");
  expectType<Equal<typeof v, Promise<string>>>(true);
  // @ts-expect-error no argument expected
  socket.emitWithAck("withError", 1);
});
// Broadcast: the error-first ack of the map gets every recipient's value.
const values = io.timeout(10).emitWithAck("withError");
expectType<Equal<typeof values, Promise<string[]>>>(true);
io.timeout(10).emit("withError", (err, responses) => {
  expectType<Equal<typeof err, Error>>(true);
  expectType<Equal<typeof responses, string[]>>(true);
});
