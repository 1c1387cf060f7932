/**
 * @plexus/engine — an Engine.IO v4 server (PROTOCOL.md part A) with the public API of `engine.io`.
 */
import { createServer } from "node:http";
import { Server } from "./server.js";
import type { ServerOptions } from "./server-options.js";

export { AddressLimitErrors } from "./address-limits.js";
export type { CookieOptions } from "./cookie.js";
export type { CorsOptions, CustomOrigin, StaticOrigin } from "./cors.js";
export { EngineStats, type TransportCounts } from "./engine-stats.js";
export type { EngineQuery, HandshakeRecord, RequestLike } from "./handshake-record.js";
export { type HeartbeatEntry, HeartbeatScheduler } from "./heartbeat-scheduler.js";
export { declareForwardingListener } from "./http-attach.js";
export type { HttpCompressionOptions } from "./http-compression.js";
export { ENGINE_ERROR_MESSAGES, ENGINE_ERRORS, type ErrorContext } from "./http-errors.js";
export { type EngineMessage, PreparedPacket, type PrepareOptions } from "./prepared-packet.js";
export {
  type AnyMiddleware,
  attach,
  type ConnectionErrorEvent,
  type EngineRequest,
  type Middleware,
  Server,
} from "./server.js";
export type { AllowRequest, AttachOptions, ServerOptions } from "./server-options.js";
export { Socket } from "./socket.js";
export type {
  RawData,
  SendCallback,
  SendOptions,
  SocketCloseReason,
  SocketReadyState,
} from "./socket-types.js";
export { TokenBucket } from "./token-bucket.js";
export type { OutItem, Transport, TransportName } from "./transport.js";
export type { PerMessageDeflateOptions } from "./websocket/index.js";
/** The low-level RFC 6455 server side (framer, parser, connection) for benches, tools and custom transports. */
export * as websocket from "./websocket/index.js";

/** Engine.IO protocol revision, as `engine.io`'s `protocol` export. */
export const protocol = 4;

/**
 * Creates an HTTP server answering 501 to everything but the engine, attaches an engine and listens.
 *
 * @example
 * const engine = listen(3000, { pingInterval: 10_000 });
 * engine.on("connection", (socket) => socket.send("hello"));
 */
export function listen(port: number, options?: ServerOptions | (() => void), callback?: () => void): Server {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const http = createServer((_req, res) => {
    res.writeHead(501);
    res.end("Not Implemented");
  });
  const engine = new Server(options);
  engine.attach(http, options ?? {});
  engine.httpServer = http;
  http.listen(port, callback);
  return engine;
}
export {
  ChannelSessionRouter,
  type ChannelSessionRouterOptions,
} from "./routing/channel-session-router.js";
export {
  DirectSessionRouter,
  type DirectSessionRouterOptions,
  type InternalListenOptions,
} from "./routing/direct-session-router.js";
export { InProcessChannelHub } from "./routing/in-process-channel.js";
export type { NodeChannel } from "./routing/node-channel.js";
export type { NodeDirectory } from "./routing/node-directory.js";
export { nodeOfSessionId, withNodeId } from "./routing/node-session-id.js";
export { RoutingError, type RoutingErrorCode, RoutingErrorCodes } from "./routing/routing-error.js";
export {
  FORWARDED_HEADER,
  type RoutingEngine,
  type SessionRouter,
  type UnknownSession,
} from "./routing/session-router.js";
export { StaticNodeDirectory } from "./routing/static-node-directory.js";
