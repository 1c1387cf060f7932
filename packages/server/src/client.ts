/**
 * One engine connection seen by the Socket.IO layer: decodes its packets (one `SocketDecoder` each) and
 * routes them to the socket of their namespace (PROTOCOL.md §B3). Engine listeners are module-level
 * functions that find the client through the connection's `owner` field: no closures per connection.
 */

import type { BroadcastFlags, PreparedPacket } from "@plexus/adapter";
import {
  DisconnectReasons,
  type ParserDecoder,
  SocketDecoder,
  type SocketPacket,
  SocketPacketType,
  validateSocketPacket,
} from "@plexus/protocol";
import createDebug from "debug";
import type { ConnectDeadlineEntry } from "./connect-deadlines.js";
import type { EngineConnection, EngineData, EnginePrepared, EngineRequest } from "./engine-connection.js";
import type { Server } from "./server.js";
import type { Socket } from "./socket.js";
import { preparedFor, type SocketIoWriteOptions } from "./socket-io-adapter-support.js";

/** Decoding errors and closes of engine connections (`DEBUG=plexus:server`). */
const debug = createDebug("plexus:server");
/** Read once: when the namespace is off, the guarded log calls cost one constant test (no formatting). */
const DEBUG = debug.enabled;

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

/** With a custom `parser`: every message goes through the connection's own decoder. */
function onEngineDataCustom(this: EngineConnection, data: EngineData): void {
  (this.owner as Client | null)?.ondataCustom(data);
}

function onEngineClose(this: EngineConnection, reason: string, description?: unknown): void {
  (this.owner as Client | null)?.onclose(reason, description);
}

function onEngineError(): void {
  // The engine follows an error with `close`; the socket-level reason comes from there.
}

function withQueryAsAuth(packet: SocketPacket): SocketPacket {
  const q = packet.nsp.indexOf("?");
  const auth: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(packet.nsp.slice(q + 1))) auth[key] = value;
  return {
    ...packet,
    nsp: packet.nsp.slice(0, q),
    data: packet.type === SocketPacketType.CONNECT ? auth : packet.data,
  };
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
  /** The decoder of a custom `parser` (one per connection, as socket.io) and what it decoded from one message. */
  private custom: { readonly decoder: ParserDecoder; readonly decoded: unknown[] } | undefined;

  constructor(server: Server, conn: EngineConnection) {
    this.server = server;
    this.conn = conn;
    conn.owner = this;
    const Decoder = server._codec.Decoder;
    if (Decoder === undefined) conn.on("message", onEngineData);
    else {
      const custom = { decoder: new Decoder(), decoded: [] as unknown[] };
      custom.decoder.on("decoded", (packet) => custom.decoded.push(packet));
      this.custom = custom;
      conn.on("message", onEngineDataCustom);
    }
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

  /**
   * @internal A message for a custom decoder. Its packets are checked (`validateSocketPacket`) and handled
   * after `add` returns, so an error thrown by an event handler is not taken for a decoding error.
   */
  ondataCustom(data: EngineData): void {
    const custom = this.custom!;
    const decoded = custom.decoded;
    let packets: SocketPacket[];
    try {
      custom.decoder.add(data);
      packets = decoded.map(validateSocketPacket);
    } catch (err) {
      decoded.length = 0;
      this.onerror(err as Error);
      return;
    }
    decoded.length = 0;
    for (const packet of packets) {
      if (this.closed) return;
      this.onpacket(packet);
    }
  }

  private onpacket(packet: SocketPacket): void {
    // Protocol 4 (v2 clients) puts the namespace's query in its name (`0/nsp?foo=bar,`): it is the auth.
    if (packet.nsp.includes("?") && this.conn.protocol === 3) packet = withQueryAsAuth(packet);
    if (DEBUG) debug("connection %s: packet type %d for %s", this.id, packet.type, packet.nsp);
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

  /**
   * @internal Invalid input: the whole engine connection goes (PROTOCOL.md §B2); over WebSocket its close
   * frame says 1002 (protocol error) or 1007 (invalid payload data), see the engine's close-codes.ts.
   */
  onerror(err: Error): void {
    if (DEBUG) debug("connection %s: invalid packet (%s), closing", this.id, err.message);
    for (const socket of this.list()) socket._onerror(err);
    this.decoder = undefined;
    this.conn.closeOnDecodeError(err);
  }

  /** @internal The engine connection closed. */
  onclose(reason: string, description?: unknown): void {
    if (DEBUG && !this.closed) debug("connection %s closed: %s", this.id, reason);
    if (this.closed) return;
    this.closed = true;
    this.server._cancelConnectDeadline(this);
    this.conn.owner = null;
    this.decoder = undefined;
    this.custom?.decoder.destroy?.();
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
    if (flags?.volatile === true && !this.conn.writableNow) {
      if (this.conn.server._stats !== null) this.conn.server._stats.volatileDrops++;
      return;
    }
    const options = flags?.compress === false ? NO_COMPRESS : COMPRESS;
    const parts = this.server._codec.encode(packet);
    if (parts.length === 1) {
      this.conn.write(parts[0]!, options);
      return;
    }
    for (let i = 0; i < parts.length; i++) this.conn.write(parts[i]!, options);
  }

  /** @internal Writes bytes prepared once for a broadcast. */
  writePrepared(prepared: PreparedPacket, flags: BroadcastFlags | undefined): void {
    if (this.closed) return;
    this.conn.sendPrepared((prepared as ServerPreparedPacket).engine, flags?.volatile === true);
  }

  /**
   * @internal What `socket.io-adapter` calls per recipient of a broadcast it encoded once with
   * `io.encoder`: the parts are framed on the first call and the frames shared by the others.
   */
  writeToEngine(encoded: EngineData | readonly EngineData[], opts: SocketIoWriteOptions = {}): void {
    if (this.closed) return;
    this.conn.sendPrepared(preparedFor(this.server.engine, encoded, opts), opts.volatile === true);
  }

  /** @internal Answers a refused CONNECT (`44…`). */
  _connectError(nsp: string, data: unknown): void {
    this.writePacket({ type: SocketPacketType.CONNECT_ERROR, nsp, data }, undefined);
  }
}
