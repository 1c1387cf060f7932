/**
 * The application every Socket.IO-level bench server runs: an `echo` listener that acks its first
 * argument, and a count of connected sockets. Module-level listeners: no closure per connection.
 */

interface ListeningSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

let connected = 0;

/** Sockets connected minus sockets disconnected so far in this process. */
export function connectedSockets(): number {
  return connected;
}

function onEcho(...args: unknown[]): void {
  const ack = args[args.length - 1];
  if (typeof ack === "function") ack(args[0]);
}

function onDisconnect(): void {
  connected--;
}

/** `io.on("connection", onEchoConnection)`: counts the socket and registers the two listeners. */
export function onEchoConnection(...args: unknown[]): void {
  const socket = args[0] as ListeningSocket;
  connected++;
  socket.on("echo", onEcho);
  socket.on("disconnect", onDisconnect);
}

/** Engine-level counterpart: counts the connection until its `close`. */
export function onEngineConnection(...args: unknown[]): void {
  const socket = args[0] as ListeningSocket;
  connected++;
  socket.on("close", onDisconnect);
}
