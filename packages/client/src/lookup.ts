/**
 * `io(url, options)`: finds or creates the Manager of the URL's origin (one engine connection shared by its
 * namespaces) and returns the Socket of the URL's namespace.
 */
import { Manager, type ManagerOptions } from "./manager.js";
import { parseUrl } from "./parse-url.js";
import type { Socket, SocketOptions } from "./socket.js";
import type { DefaultEventsMap, EventsMap } from "./typed-events.js";

/** Options of `io()`: the Manager's and the Socket's. */
export type ConnectOptions = Partial<ManagerOptions & SocketOptions>;

const cache: Record<string, Manager> = {};

/**
 * Connects to a namespace (`io("http://host/admin")`); `io()` connects to the page's origin.
 *
 * @example
 * const socket = io("http://localhost:3000/chat", { auth: { token: "abc" } });
 * socket.emit("hello", "world", (reply: string) => console.log(reply));
 */
export function lookup<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
>(uri?: string | ConnectOptions, opts?: ConnectOptions): Socket<ListenEvents, EmitEvents> {
  if (typeof uri === "object") {
    opts = uri;
    uri = undefined;
  }
  opts = { ...opts };
  const parsed = parseUrl(uri, opts.path ?? "/socket.io");
  const cached = cache[parsed.id];
  const newConnection =
    opts.forceNew || opts.multiplex === false || (cached !== undefined && parsed.nsp in cached.nsps);
  if (parsed.query && !opts.query) opts.query = parsed.query;
  let manager: Manager;
  if (newConnection) manager = new Manager(parsed.origin, opts);
  else manager = cache[parsed.id] ??= new Manager(parsed.origin, opts);
  return manager.socket(parsed.nsp, opts) as unknown as Socket<ListenEvents, EmitEvents>;
}
