/**
 * The demo's events, both ways, and what the server keeps per socket. The browser code (public/app/) speaks
 * the same events in plain JavaScript; this file is their one description.
 * Part of the demo (examples/demo), not of the library.
 */
import type { Server, Socket } from "@plexus/server";

/** An answer to a request: its result, or a stable error code the page shows. */
export type Reply<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface ChatMessage {
  id: string;
  room: string;
  from: string;
  text: string;
  at: number;
  /** The node that took the message (`npm run start:cluster` shows chat crossing nodes). */
  node: string;
}

export interface DirectMessage {
  id: string;
  from: string;
  to: string;
  text: string;
  at: number;
  node: string;
}

export interface SharedFile {
  id: string;
  room: string;
  from: string;
  name: string;
  type: string;
  size: number;
  data: Buffer;
  at: number;
  node: string;
}

/** What one node says of itself every second (the "Server" panel), from its Prometheus metrics. */
export interface ServerFigures {
  node: string;
  connections: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  heapBytes: number;
  /** Live heap (after the last major GC) above the idle one, per connected socket (0 without sockets). */
  heapPerConnectionBytes: number;
  at: number;
}

/** The acknowledgement of a message: the server took it and sent it on. */
export interface Delivered {
  id: string;
  at: number;
  node: string;
}

export interface ClientToServer {
  join: (room: string, ack: (reply: Reply<{ room: string }>) => void) => void;
  message: (text: string, ack: (reply: Reply<Delivered>) => void) => void;
  dm: (to: string, text: string, ack: (reply: Reply<Delivered>) => void) => void;
  typing: (typing: boolean) => void;
  "upload-start": (
    file: { name: string; type: string; size: number },
    ack: (reply: Reply<{ id: string }>) => void,
  ) => void;
  "upload-chunk": (id: string, bytes: Buffer, ack: (reply: Reply<{ received: number }>) => void) => void;
}

export interface ServerToClient {
  message: (message: ChatMessage) => void;
  dm: (message: DirectMessage) => void;
  file: (file: SharedFile) => void;
  typing: (who: { room: string; name: string; typing: boolean }) => void;
  figures: (figures: ServerFigures) => void;
}

export interface SocketData {
  /** The user's name (from the handshake's `auth.name`); the tabs of one user share it. */
  name: string;
  /** The chat room the socket is in (one at a time). */
  room: string;
}

export type DemoServer = Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>;
export type DemoSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, SocketData>;
