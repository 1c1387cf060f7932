/**
 * Who is in each room, through Plexus presence (`io.presence(room)`): a socket is tracked in its room under
 * its user's name, so two tabs of one user are one member with two metas. The server sends the room's
 * sockets `presence_state` (the whole list, once) and `presence_diff` (joins and leaves); the page keeps
 * the list with the client's `Presence` helper. Presence untracks a socket by itself when it leaves the
 * room or disconnects; a recovered socket is back in its room and is tracked again.
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

export class Members {
  constructor(
    private readonly io: DemoServer,
    private readonly node: string,
  ) {}

  /**
   * Tracks `socket` in `room` (which it joins). Resolves false when presence refused it (the socket
   * disconnected or left meanwhile, or a limit: `ERR_PRESENCE_*`), which a page survives: it is not listed.
   */
  async track(socket: DemoSocket, room: string): Promise<boolean> {
    const meta: MemberMeta = { name: socket.data.name, node: this.node, since: Date.now() };
    try {
      await this.io.presence(room).track(socket, socket.data.name, meta);
      return true;
    } catch (err) {
      console.error(`presence: ${socket.data.name} not listed in ${room}:`, (err as Error).message);
      return false;
    }
  }
}
