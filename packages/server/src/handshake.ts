/**
 * `socket.handshake`: Socket.IO's description of the connection, built on first read from the engine's
 * compact handshake record (the request itself is not retained, issue 6).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { EngineHandshake } from "./engine-connection.js";

export interface Handshake {
  /** Headers of the handshake request. */
  headers: IncomingHttpHeaders;
  /** `new Date().toString()` at the engine handshake. */
  time: string;
  /** Remote address of the client. */
  address: string;
  /** Whether the handshake was cross-origin. */
  xdomain: boolean;
  /** Whether the connection is TLS. */
  secure: boolean;
  /** Epoch ms of the engine handshake. */
  issued: number;
  /** URL of the handshake request. */
  url: string;
  /** Query of the handshake request. */
  query: Record<string, string>;
  /** The CONNECT payload (PROTOCOL.md §B3): `{}` when absent. */
  // biome-ignore lint/suspicious/noExplicitAny: the client's auth object is free-form, as Socket.IO.
  auth: { [key: string]: any };
}

export function buildHandshake(record: EngineHandshake, auth: Record<string, unknown>): Handshake {
  return {
    headers: record.headers,
    time: record.time,
    address: record.address,
    xdomain: record.xdomain,
    secure: record.secure,
    issued: record.issued,
    url: record.url,
    query: record.query,
    auth,
  };
}
