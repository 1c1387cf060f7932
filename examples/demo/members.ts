/**
 * Who is in each room, through Plexus presence (`io.presence(room)`): every socket in a room is tracked
 * under its user's name, so two tabs of one user are one member with two entries (`meta`s). The server
 * sends the room's sockets `presence_state` (the whole list, once) and `presence_diff` (joins and leaves);
 * the page keeps the list with the client's `Presence` helper. A socket is untracked when it leaves the
 * room or disconnects.
 * Part of the demo (examples/demo), not of the library.
 */
import type { DemoServer, DemoSocket } from "./events.js";

/** What the member list shows of one tab of a user. */
export interface MemberMeta {
  name: string;
  /** The node the tab is connected to (several with `npm run start:cluster`). */
  node: string;
  since: number;
}

// INTERIM until presence lands on main: the API as announced, reached through a cast.
interface RoomPresence {
  track(socket: DemoSocket, key: string, meta: MemberMeta): Promise<void>;
  untrack(socket: DemoSocket): Promise<void> | void;
}
const presenceOf = (io: DemoServer, room: string): RoomPresence | null => {
  const fn = (io as unknown as { presence?: (room: string) => RoomPresence }).presence;
  return fn === undefined ? null : fn.call(io, room);
};

export class Members {
  constructor(
    private readonly io: DemoServer,
    private readonly node: string,
  ) {}

  track(socket: DemoSocket, room: string): Promise<void> {
    const meta: MemberMeta = { name: socket.data.name, node: this.node, since: Date.now() };
    return presenceOf(this.io, room)?.track(socket, socket.data.name, meta) ?? Promise.resolve();
  }

  async untrack(socket: DemoSocket, room: string): Promise<void> {
    await presenceOf(this.io, room)?.untrack(socket);
  }
}
