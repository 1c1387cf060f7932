/**
 * What the Socket.IO layer uses of the engine, named in one place (DESIGN.md: the server layer knows
 * sessions and messages, never HTTP framing).
 */
import type { HandshakeRecord, PreparedPacket, RequestLike, Server, Socket } from "@plexus/engine";

/** One engine session. */
export type EngineConnection = Socket;
/** The engine server. */
export type EngineServer = Server;
/** The engine's compact record of the handshake request (the request itself is not retained). */
export type EngineHandshake = HandshakeRecord;
/** Messages encoded and framed once by the engine, sent to many sessions. */
export type EnginePrepared = PreparedPacket;
/** One engine message. */
export type EngineData = string | Uint8Array;
/** What `socket.request` returns: enough of an `IncomingMessage` for the usual reads. */
export type EngineRequest = RequestLike;
