/**
 * Per-packet middleware (`socket.use`): each incoming event `[name, ...args]` goes through the chain
 * before it reaches the listeners; an error goes to the socket's `error` event instead.
 */

/** Sees `[event, ...args]` (and may rewrite it in place), then calls `next(err?)`. */
export type PacketMiddleware = (event: unknown[], next: (err?: Error) => void) => void;

/** Runs `fns` in order, then hands the packet (or the first error) to `target._dispatch` on the next tick. */
export function runPacketMiddlewares(
  target: { _dispatch(args: unknown[], err: Error | undefined): void },
  fns: readonly PacketMiddleware[],
  args: unknown[],
): void {
  const chain = fns.slice();
  const step = (i: number): void => {
    chain[i]!(args, (err?: Error) => {
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
