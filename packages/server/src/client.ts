/**
 * One engine connection seen by the Socket.IO layer: decodes its packets (one `SocketDecoder` each) and
 * routes them to the socket of their namespace (PROTOCOL.md §B3). Engine listeners are module-level
 * functions that find the client through the connection's `owner` field: no closures per connection.
 */
import type { BroadcastFlags, PreparedPacket } from "@plexus/adapter";
import {
  DisconnectReasons,
  encodeSocketPacket,
  SocketDecoder,
  type SocketPacket,
  SocketPacketType,
} from "@plexus/protocol";
import type { ConnectDeadlineEntry } from "./connect-deadlines.js";
import type { EngineConnection, EngineData, EnginePrepared, EngineRequest } from "./engine-connection.js";
import type { Server } from "./server.js";
import type { Socket } from "./socket.js";

/** A broadcast prepared by a namespace: the Socket.IO packet and the engine's framed bytes. */
export interface ServerPreparedPacket extends PreparedPacket {
  readonly engine: EnginePrepared;
}

const COMPRESS = { compress: true } as const;
const NO_COMPRESS = { compress: false } as const;

/**
 * The decoder of every connection between binary packets (issue 6: no decoder per connection). A
 * `SocketDecoder` keeps state only while a binary packet waits for its attachments, and such packets
 * never go through this one: their header gets a decoder of its own (see `Client.ondata`), so this
 * one only ever decodes complete packets, or throws before keeping anything.
 */
const SHARED_DECODER = new SocketDecoder();
/** First characters of a BINARY_EVENT / BINARY_ACK header (PROTOCOL.md §B2). */
const BINARY_EVENT_CHAR = 48 + SocketPacketType.BINARY_EVENT;
const BINARY_ACK_CHAR = 48 + SocketPacketType.BINARY_ACK;

function startsBinaryPacket(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === BINARY_EVENT_CHAR || c === BINARY_ACK_CHAR;
}

function onEngineData(this: EngineConnection, data: EngineData): void {
  (this.owner as Client | null)?.ondata(data);
}

function onEngineClose(this: EngineConnection, reason: string, description?: unknown): void {
  (this.owner as Client | null)?.onclose(reason, description);
}

function onEngineError(): void {
  // The engine follows an error with `close`; the socket-level reason comes from there.
}

export class Client implements ConnectDeadlineEntry {
  readonly conn: EngineConnection;
  /** @internal */ readonly server: Server;
  /** Own decoder, only while a binary packet is being received; {@link SHARED_DECODER} otherwise. */
  private decoder: SocketDecoder | undefined;
  /**
   * Sockets by namespace: a connection usually joins one namespace, so that one lives in a field and the
   * map is only made for the second one (issue 6).
   */
  private single: Socket | undefined;
  private others: Map<string, Socket> | undefined;
  private closed = false;
  /** @internal Slot in the server's connect-deadline queue. */
  deadlineSlot = -1;

  constructor(server: Server, conn: EngineConnection) {
    this.server = server;
    this.conn = conn;
    conn.owner = this;
    conn.on("message", onEngineData);
    conn.on("close", onEngineClose);
    conn.on("error", onEngineError);
  }

  /** The engine session id. */
  get id(): string {
    return this.conn.id;
  }

  get request(): EngineRequest {
    return this.conn.request;
  }

  /** Sockets of this connection, one per joined namespace. */
  get sockets(): ReadonlyMap<string, Socket> {
    const map = new Map<string, Socket>();
    for (const socket of this.list()) map.set(socket.nsp.name, socket);
    return map;
  }

  /** @internal connectTimeout elapsed (PROTOCOL.md §B3): close unless a namespace was joined. */
  onConnectDeadline(): void {
    if (!this.closed && this.single === undefined && (this.others === undefined || this.others.size === 0)) {
      this.close();
    }
  }

  /** @internal */
  ondata(data: EngineData): void {
    let decoder = this.decoder;
    if (decoder === undefined) {
      if (typeof data === "string" && startsBinaryPacket(data)) {
        decoder = new SocketDecoder();
        this.decoder = decoder;
      } else decoder = SHARED_DECODER;
    }
    let packet: SocketPacket | null;
    try {
      packet = decoder.add(data);
    } catch (err) {
      this.onerror(err as Error);
      return;
    }
    if (packet === null) return;
    // The binary packet is complete: back to the shared decoder.
    if (decoder !== SHARED_DECODER) this.decoder = undefined;
    this.onpacket(packet);
  }

  private onpacket(packet: SocketPacket): void {
    const single = this.single;
    const socket =
      single !== undefined && single.nsp.name === packet.nsp ? single : this.others?.get(packet.nsp);
    if (packet.type === SocketPacketType.CONNECT) {
      // A second CONNECT to a joined namespace is a protocol error (PROTOCOL.md §B3).
      if (socket !== undefined) this.close();
      else this.server._connect(this, packet.nsp, packet.data as Record<string, unknown> | undefined);
      return;
    }
    if (socket !== undefined && packet.type !== SocketPacketType.CONNECT_ERROR) {
      socket._onpacket(packet);
      return;
    }
    // Anything for a namespace not joined (including anything before the first CONNECT) closes.
    this.close();
  }

  /** @internal Invalid input: the whole engine connection goes (PROTOCOL.md §B2). */
  onerror(err: Error): void {
    for (const socket of this.list()) socket._onerror(err);
    this.decoder = undefined;
    this.conn.close();
  }

  /** @internal The engine connection closed. */
  onclose(reason: string, description?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.server._cancelConnectDeadline(this);
    this.conn.owner = null;
    this.decoder = undefined;
    for (const socket of this.list()) socket._onclose(reason, description);
    this.single = undefined;
    this.others = undefined;
  }

  /** A snapshot of the sockets of this connection. */
  private list(): Socket[] {
    const out: Socket[] = [];
    if (this.single !== undefined) out.push(this.single);
    if (this.others !== undefined) for (const socket of this.others.values()) out.push(socket);
    return out;
  }

  /** @internal A socket finished connecting. */
  _add(nsp: string, socket: Socket): void {
    if (this.single === undefined) this.single = socket;
    else {
      this.others ??= new Map();
      this.others.set(nsp, socket);
    }
  }

  /** @internal A socket left. */
  _remove(socket: Socket): void {
    if (this.single === socket) this.single = undefined;
    else if (this.others?.get(socket.nsp.name) === socket) this.others.delete(socket.nsp.name);
  }

  /** @internal Whether the engine connection is still open. */
  get open(): boolean {
    return !this.closed && this.conn.readyState === "open";
  }

  /** @internal Leaves every namespace, then closes the connection. */
  _disconnect(): void {
    for (const socket of this.list()) socket.disconnect();
    this.close();
  }

  /** Closes the engine connection ("forced server close" for the sockets still on it). */
  close(): void {
    if (this.closed) return;
    // The engine's own close event is superseded by the reason Socket.IO reports for a server close.
    this.conn.owner = null;
    this.conn.close();
    this.onclose(DisconnectReasons.FORCED_SERVER_CLOSE);
  }

  /** @internal Encodes and writes a packet for this connection only. */
  writePacket(
    packet: SocketPacket,
    flags: BroadcastFlags | { volatile?: boolean; compress?: boolean } | undefined,
  ): void {
    if (this.closed || this.conn.readyState !== "open") return;
    if (flags?.volatile === true && !this.conn.transport.writable) {
      if (this.conn.server._stats !== null) this.conn.server._stats.volatileDrops++;
      return;
    }
    const options = flags?.compress === false ? NO_COMPRESS : COMPRESS;
    const parts = encodeSocketPacket(packet);
    if (parts.length === 1) {
      this.conn.write(parts[0], options);
      return;
    }
    for (let i = 0; i < parts.length; i++) this.conn.write(parts[i] as EngineData, options);
  }

  /** @internal Writes bytes prepared once for a broadcast. */
  writePrepared(prepared: PreparedPacket, flags: BroadcastFlags | undefined): void {
    if (this.closed) return;
    this.conn.sendPrepared((prepared as ServerPreparedPacket).engine, flags?.volatile === true);
  }

  /** @internal Answers a refused CONNECT (`44…`). */
  _connectError(nsp: string, data: unknown): void {
    this.writePacket({ type: SocketPacketType.CONNECT_ERROR, nsp, data }, undefined);
  }
}
