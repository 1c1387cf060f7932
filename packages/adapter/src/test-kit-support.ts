/**
 * What the adapter test kit knows of servers and clients (structural types: the kit may not import the
 * server or client packages) and its event helpers: a client peer recording what it receives, the next
 * event as a promise, and the sentinel that proves nothing else was sent.
 */
import type { Room } from "./adapter.js";

/** The parts of a socket.io-client / @plexus/client socket the kit uses. */
export interface KitClient {
  readonly id: string | undefined;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  disconnect(): unknown;
}

/** The parts of a server-side socket the kit uses. */
export interface KitServerSocket {
  readonly id: string;
  readonly rooms: ReadonlySet<Room>;
  data: unknown;
  join(rooms: Room | readonly Room[]): Promise<void> | void;
}

/** A socket as `fetchSockets` returns it. */
export interface KitRemoteSocket {
  readonly id: string;
  readonly rooms: ReadonlySet<Room>;
  readonly data: unknown;
  emit(event: string, ...args: unknown[]): unknown;
}

/** Broadcast operators of a Plexus (or Socket.IO) server / namespace. */
export interface KitOperator {
  to(room: Room | readonly Room[]): KitOperator;
  in(room: Room | readonly Room[]): KitOperator;
  except(room: Room | readonly Room[]): KitOperator;
  readonly local: KitOperator;
  readonly volatile: KitOperator;
  timeout(ms: number): KitOperator;
  emit(event: string, ...args: unknown[]): unknown;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  fetchSockets(): Promise<KitRemoteSocket[]>;
  socketsJoin(room: Room | readonly Room[]): void;
  socketsLeave(room: Room | readonly Room[]): void;
  disconnectSockets(close?: boolean): void;
}

export interface KitServer extends KitOperator {
  of(nsp: string): {
    readonly adapter: {
      serverCount(): Promise<number>;
      sockets(rooms: ReadonlySet<Room>): Promise<Set<string>>;
    };
  };
  on(event: string, listener: (...args: never[]) => void): unknown;
  serverSideEmit(event: string, ...args: unknown[]): unknown;
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]>;
}

/** Resolves with the arguments of the next `event`. */
export function nextEvent(emitter: KitClient, event: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    emitter.once(event, ((...args: unknown[]) => resolve(args)) as (...args: never[]) => void);
  });
}

/** One client of the cluster and its server-side socket, recording every event but the sentinel. */
export class ClientPeer {
  readonly client: KitClient;
  readonly socket: KitServerSocket;
  private readonly received: Array<[string, unknown[]]> = [];

  constructor(client: KitClient, socket: KitServerSocket) {
    this.client = client;
    this.socket = socket;
    client.onAny((event, ...args) => {
      if (event !== SENTINEL) this.received.push([event, args]);
    });
  }

  /** Names of the events received since the last call (and forgets them). */
  events(): string[] {
    return this.received.splice(0).map(([event]) => event);
  }

  /** Arguments of every `event` received since the last call (and forgets everything). */
  args(event: string): unknown[][] {
    return this.received
      .splice(0)
      .filter(([name]) => name === event)
      .map(([, args]) => args);
  }
}

const SENTINEL = "kit:sentinel";

/**
 * Broadcasts the sentinel from `io` to everyone and waits until every peer has it: whatever `io` sent
 * before has then arrived (one sender's messages stay in order).
 */
export async function sentinel(io: KitServer, peers: readonly ClientPeer[]): Promise<void> {
  const waits = peers.map((p) => nextEvent(p.client, SENTINEL));
  io.emit(SENTINEL);
  await Promise.all(waits);
}
