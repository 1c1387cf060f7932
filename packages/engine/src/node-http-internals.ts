/**
 * The only module that reaches into `node:http` internals: it detaches a socket from Node's HTTP server
 * after a complete request (the steps Node itself takes before an `upgrade` event) and hands a socket back
 * to it. The engine uses this to hold long polls on bare sockets instead of on Node's request, response
 * and parser objects (issue 3: memory per polling session; see owned-connection.ts).
 *
 * Everything here is feature-detected: when the running Node does not look like the one this was written
 * against (listener names, parser fields, exported helpers), {@link detachFromNodeHttp} refuses and the
 * engine keeps the request on `node:http`, which is always correct.
 * Layer: engine.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Socket as NetSocket } from "node:net";

/** Node's HTTP parser as seen from JavaScript (`_http_common`). */
interface NodeHttpParser {
  incoming: IncomingMessage | null;
  _consumed?: boolean;
  /** llhttp_finish: an Error (and no state change) while a message is only partly parsed, else 0. */
  finish(): unknown;
}

/** The fields Node's HTTP server adds to the sockets it serves. */
export interface NodeHttpSocket extends NetSocket {
  parser?: NodeHttpParser | null;
  _httpMessage?: ServerResponse | null;
  _paused?: boolean;
  _handle?: { _consumed?: boolean; useUserBuffer?: (buffer: Uint8Array) => void } | null;
  server?: HttpServer;
  encrypted?: boolean;
  timeout?: number;
}

type FreeParser = (parser: NodeHttpParser, req: IncomingMessage | null, socket: NetSocket | null) => void;
type ConnectionListener = (this: HttpServer, socket: NetSocket) => void;

let freeParser: FreeParser | undefined;
let connectionListener: ConnectionListener | undefined;
try {
  // `process.getBuiltinModule` (Node >= 20.16) works the same from ESM, from the CommonJS build and
  // under loader hooks that rewrite `import.meta`.
  const common = process.getBuiltinModule("node:_http_common") as { freeParser?: FreeParser };
  const server = process.getBuiltinModule("node:_http_server") as {
    _connectionListener?: ConnectionListener;
  };
  if (typeof common.freeParser === "function" && typeof server._connectionListener === "function") {
    freeParser = common.freeParser;
    connectionListener = server._connectionListener;
  }
} catch {
  // Not Node, or a Node without these modules: polls stay on node:http.
}

/** Whether this Node lets the engine take sockets over from `node:http`. */
export const takeoverSupported = freeParser !== undefined;

/**
 * The listeners `connectionListenerInternal` (lib/_http_server.js) puts on every socket, by event and
 * function name; Node removes the same set before an upgrade.
 */
const NODE_LISTENERS: ReadonlyArray<readonly [string, string]> = [
  ["data", "bound socketOnData"],
  ["end", "bound socketOnEnd"],
  ["close", "bound socketOnClose"],
  ["drain", "bound socketOnDrain"],
  ["error", "socketOnError"],
  ["timeout", "socketOnTimeout"],
  ["resume", "onSocketResume"],
  ["pause", "onSocketPause"],
];

/** Own properties Node's HTTP server sets on a socket over the prototype's methods. */
const NODE_OVERRIDES = ["on", "addListener", "prependListener", "setEncoding"] as const;

type Listener = (...args: unknown[]) => void;

/**
 * Detaches `req`'s socket from Node's HTTP server, as Node does before an `upgrade` event: its listeners
 * are removed, its parser goes back to Node's pool, `res` lets go of the socket. Afterwards `req` and `res`
 * are garbage and the socket is the caller's: it is flowing, and nothing listens to it.
 *
 * Refuses (returns `false`, nothing changed) unless the request is complete, it is the only request of
 * the connection (no pipelined one behind it, not even partly read), no byte of the response was written, nobody but Node
 * listens for the response finishing (a logger or a compression wrapper would never hear of it), and
 * Node's socket looks exactly as expected. TLS sockets are detached the same way (Node's HTTPS server
 * runs the same connection listener on them).
 */
export function detachFromNodeHttp(req: IncomingMessage, res: ServerResponse): boolean {
  if (freeParser === undefined) return false;
  const socket = req.socket as NodeHttpSocket;
  const parser = socket.parser;
  if (
    parser === null ||
    parser === undefined ||
    parser.incoming !== req ||
    !req.complete ||
    socket._httpMessage !== res ||
    res.headersSent ||
    socket._paused === true ||
    socket.destroyed ||
    !socket.readable ||
    !socket.writable ||
    socket.readableLength > 0 ||
    socket.writableLength > 0 ||
    res.listenerCount("finish") !== 1 ||
    Object.hasOwn(res, "end") ||
    Object.hasOwn(res, "write") ||
    Object.hasOwn(res, "writeHead")
  ) {
    return false;
  }
  // Bytes of another request already read behind this one (pipelined) sit in the parser: keep Node.
  if (parser.finish() instanceof Error) return false;
  const found: Listener[] = [];
  for (const [event, name] of NODE_LISTENERS) {
    const fn = (socket.listeners(event) as Listener[]).find((l) => l.name === name);
    if (fn === undefined) return false;
    found.push(fn);
  }
  for (let i = 0; i < NODE_LISTENERS.length; i++) socket.removeListener(NODE_LISTENERS[i]![0], found[i]!);
  res.detachSocket(socket);
  freeParser(parser, req, socket);
  for (const name of NODE_OVERRIDES) delete (socket as unknown as Record<string, unknown>)[name];
  if (socket.timeout) socket.setTimeout(0);
  return true;
}

/**
 * Gives a socket detached by {@link detachFromNodeHttp} back to Node's HTTP server, as a connection
 * whose next bytes are `pending` (already read by the engine) followed by whatever arrives. The caller
 * must have removed its own listeners first.
 */
export function handBackToNodeHttp(socket: NetSocket, server: HttpServer, pending: Buffer | null): void {
  const s = socket as NodeHttpSocket;
  if (pending !== null && pending.length > 0) {
    // Node then reads through `data` events (a consumed handle would skip the unshifted bytes).
    s.pause();
    s.unshift(pending);
    (s as { readableFlowing: boolean | null }).readableFlowing = null;
  } else if (s._handle) {
    // Let Node's parser read the handle directly again, as on a fresh connection.
    s._handle._consumed = false;
  }
  connectionListener!.call(server, socket);
}

/**
 * What `net.Socket`'s `onread` option installs (lib/net.js): reads land in one caller-owned buffer and go
 * to a callback, skipping the Readable machinery (a Buffer, `push`, a `data` event and a `nextTick` per
 * read). Called as a method of the socket with the byte count; returning `false` stops reading.
 */
export type UserBufferRead = (this: NetSocket, nread: number, buffer: Buffer) => boolean;

type SocketSymbols = { buffer: symbol; callback: symbol; generator: symbol };
let socketSymbols: SocketSymbols | null | undefined;

/** The private symbols behind the `onread` option, found by name on a plain socket (once). */
function onreadSymbols(socket: NetSocket): SocketSymbols | null {
  if (socketSymbols !== undefined) return socketSymbols;
  const byName = new Map<string, symbol>();
  for (const sym of Object.getOwnPropertySymbols(socket)) byName.set(sym.description ?? "", sym);
  const buffer = byName.get("kBuffer");
  const callback = byName.get("kBufferCb");
  const generator = byName.get("kBufferGen");
  socketSymbols =
    buffer !== undefined && callback !== undefined && generator !== undefined
      ? { buffer, callback, generator }
      : null;
  return socketSymbols;
}

/**
 * Switches a detached plain-TCP socket to what `new net.Socket({ onread: { buffer, callback } })` would
 * have set up at construction: every later read is copied by libuv into `buffer` and handed to `callback`
 * (with `this` the socket) before the next read; nothing is pushed to the socket's Readable side. This
 * cannot be undone (the handle keeps reading into `buffer`): a callback that no longer wants the bytes
 * must push a copy of them (`socket.push`), which is what Node's own read path does.
 *
 * `true` as well when the socket already reads into `buffer` with `callback` (taken over again after a
 * hand-back). Refuses (`false`, nothing changed) for TLS sockets, sockets reading into another buffer, or
 * a Node whose sockets do not look like the ones this was written against.
 */
export function readIntoUserBuffer(socket: NetSocket, buffer: Buffer, callback: UserBufferRead): boolean {
  const s = socket as NodeHttpSocket & Record<symbol, unknown>;
  const handle = s._handle;
  if (
    s.encrypted === true ||
    handle === null ||
    handle === undefined ||
    typeof handle.useUserBuffer !== "function" ||
    handle.constructor?.name !== "TCP"
  ) {
    return false;
  }
  const sym = onreadSymbols(socket);
  if (sym === null || s[sym.generator] !== null) return false;
  // Taken over again after a hand-back: it already reads into this buffer.
  if (s[sym.buffer] === buffer && s[sym.callback] === callback) return true;
  if (s[sym.buffer] !== null || s[sym.callback] !== null) return false;
  handle.useUserBuffer(buffer);
  s[sym.buffer] = buffer;
  s[sym.callback] = callback;
  return true;
}
