/**
 * Per-packet middleware (`socket.use`): each incoming event `[name, ...args]` goes through the chain
 * before it reaches the listeners; an error goes to the socket's `error` event instead.
 */

/** An incoming event as packet middlewares see it: its name, then its arguments (Socket.IO's `Event`). */
// biome-ignore lint/suspicious/noExplicitAny: the arguments are whatever the client sent, typed `any` as in Socket.IO.
export type Event = [event: string, ...args: any[]];

/** Sees `[event, ...args]` (and may rewrite it in place), then calls `next(err?)`. */
export type PacketMiddleware = (event: Event, next: (err?: Error) => void) => void;

/** Runs `fns` in order, then hands the packet (or the first error) to `target._dispatch` on the next tick. */
export function runPacketMiddlewares(
  target: { _dispatch(args: unknown[], err: Error | undefined): void },
  fns: readonly PacketMiddleware[],
  args: unknown[],
): void {
  const chain = fns.slice();
  const step = (i: number): void => {
    // The decoder guarantees an EVENT's data starts with its name (PROTOCOL.md §B2).
    chain[i]!(args as Event, (err?: Error) => {
      if (err !== undefined && err !== null) {
        process.nextTick(() => target._dispatch(args, err));
        return;
      }
      if (i + 1 >= chain.length) process.nextTick(() => target._dispatch(args, undefined));
      else step(i + 1);
    });
  };
  step(0);
}
