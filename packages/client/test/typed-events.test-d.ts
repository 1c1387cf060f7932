/**
 * Type tests (compiled by `tsc`, never run): the client's event typing matches socket.io-client's.
 */
import { io, type Socket } from "@plexus/client";

interface ServerToClient {
  news: (title: string, count: number) => void;
  ask: (question: string, ack: (answer: number) => void) => void;
}
interface ClientToServer {
  hello: (name: string) => void;
  sum: (a: number, b: number, ack: (total: number) => void) => void;
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

export function typed(socket: Socket<ServerToClient, ClientToServer>): void {
  socket.on("news", (title, count) => {
    expectType<Equal<typeof title, string>>(true);
    expectType<Equal<typeof count, number>>(true);
  });
  socket.on("ask", (_q, ack) => ack(1));
  socket.on("connect_error", (err) => expectType<Equal<typeof err, Error>>(true));
  socket.on("disconnect", (reason) => {
    const r: string = reason;
    void r;
  });
  socket.emit("hello", "me");
  // @ts-expect-error wrong argument type
  socket.emit("hello", 1);
  // @ts-expect-error unknown event
  socket.emit("nope");
  socket.emit("sum", 1, 2, (total) => expectType<Equal<typeof total, number>>(true));
  socket.timeout(100).emit("sum", 1, 2, (err, total) => {
    expectType<Equal<typeof err, Error>>(true);
    expectType<Equal<typeof total, number>>(true);
  });
  const total = socket.emitWithAck("sum", 1, 2);
  expectType<Equal<typeof total, Promise<number>>>(true);
  const timed = socket.timeout(100).emitWithAck("sum", 1, 2);
  expectType<Equal<typeof timed, Promise<number>>>(true);
}

interface Credentials {
  token: string;
}

export function options(credentials: Credentials): void {
  io("http://localhost:3000", { auth: credentials, retries: 3, ackTimeout: 1000, transports: ["websocket"] });
  io({ auth: (cb) => cb(credentials), reconnectionDelayMax: 10_000 });
}

export function untyped(): void {
  const socket = io("http://localhost:3000");
  socket.emit("anything", 1, { a: 2 }, () => {});
  socket.on("whatever", (...args) => void args);
  void socket.emitWithAck("x", 1).then((value: number) => value);
  void socket
    .timeout(5)
    .emitWithAck("x")
    .then((value: string) => value);
  socket.timeout(5).emit("y", (err: Error, value: number) => void [err, value]);
  socket.io.on("reconnect_attempt", (attempt) => {
    const n: number = attempt;
    void n;
  });
  // @ts-expect-error the Manager's events are typed
  socket.io.on("reconnect_attempt", (attempt: string) => void attempt);
}
