/**
 * The demo's chat on a Plexus server: a name per user (handshake `auth.name`, the tabs of one user share
 * it), one room per socket, messages acknowledged on delivery, direct messages to every tab of a user,
 * typing indicators. Members are listed by presence (members.ts), files by uploads.ts.
 * Every input is checked: a bad one gets `{ ok: false, error: "<code>" }`, never a crash.
 * Part of the demo (examples/demo), not of the library.
 */
import { randomUUID } from "node:crypto";
import type { DemoServer, DemoSocket, Reply } from "./events.js";
import { Members } from "./members.js";
import { acceptUploads } from "./uploads.js";

export const ROOMS = ["lobby", "random", "help"] as const;
const ROOM_NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;
const MAX_NAME = 24;
const MAX_TEXT = 2000;

/** The room every tab of `name` is in, for direct messages. */
export const userRoom = (name: string): string => `user:${name}`;

/** A user name from the handshake: trimmed, 1 to 24 characters, no control characters. */
export function validName(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const name = value.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (name.length === 0 || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) return null;
  return name;
}

function validText(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  return text.length === 0 ? null : text.slice(0, MAX_TEXT);
}

/** Calls `ack` only when the client asked for one (a client may emit without a callback). */
function answer<T>(ack: unknown, reply: Reply<T>): void {
  if (typeof ack === "function") ack(reply);
}

export function startChat(io: DemoServer, node: string): void {
  const members = new Members(io, node);

  io.use((socket, next) => {
    const name = validName((socket.handshake.auth as { name?: unknown }).name);
    if (name === null) return next(new Error("ERR_INVALID_NAME"));
    socket.data.name = name;
    next();
  });

  io.on("connection", (socket: DemoSocket) => {
    const { name } = socket.data;
    // A recovered socket is back in its rooms with its data (connection state recovery); presence is
    // tracked per connection, so it is tracked again. A new socket waits for the page's `join`.
    if (socket.recovered && socket.data.room !== undefined) void members.track(socket, socket.data.room);
    else socket.join(userRoom(name));

    socket.on("join", async (room, ack) => {
      if (typeof room !== "string" || !ROOM_NAME.test(room))
        return answer(ack, { ok: false, error: "ERR_INVALID_ROOM" });
      const previous = socket.data.room;
      if (previous === room) return answer(ack, { ok: true, room });
      // Leaving the room untracks the socket there (presence does it by itself).
      if (previous !== undefined) socket.leave(previous);
      socket.data.room = room;
      // Tracking joins the room; should presence refuse the socket, it is in the room all the same.
      if (!(await members.track(socket, room))) await socket.join(room);
      answer(ack, { ok: true, room });
    });

    socket.on("message", (value, ack) => {
      const text = validText(value);
      const room = socket.data.room;
      if (text === null) return answer(ack, { ok: false, error: "ERR_EMPTY_MESSAGE" });
      if (room === undefined) return answer(ack, { ok: false, error: "ERR_NOT_IN_ROOM" });
      const message = { id: randomUUID(), room, from: name, text, at: Date.now(), node };
      socket.to(room).emit("message", message); // the sender shows its own line, acknowledged
      answer(ack, { ok: true, id: message.id, at: message.at, node });
    });

    socket.on("dm", (to, value, ack) => {
      const target = validName(to);
      const text = validText(value);
      if (target === null) return answer(ack, { ok: false, error: "ERR_INVALID_NAME" });
      if (text === null) return answer(ack, { ok: false, error: "ERR_EMPTY_MESSAGE" });
      const message = { id: randomUUID(), from: name, to: target, text, at: Date.now(), node };
      // Every tab of both users but the sending one (the sender's other tabs see what it sent).
      socket.to(userRoom(target)).to(userRoom(name)).emit("dm", message);
      answer(ack, { ok: true, id: message.id, at: message.at, node });
    });

    socket.on("typing", (typing) => {
      const room = socket.data.room;
      if (room === undefined) return;
      // Not volatile: a volatile packet goes only to a transport that can take it at once, so a page still
      // on polling, or receiving something else in the same tick, would miss "typing" and keep showing it
      // until its 5 s expiry after a lost "stopped". Pages ignore hints replayed by recovery.
      socket.to(room).emit("typing", { room, name, typing: typing === true });
    });

    acceptUploads(socket, node);
  });
}
