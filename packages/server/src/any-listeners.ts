/**
 * Catch-all listener lists (`onAny`, `onAnyOutgoing`): allocated on first use, so sockets without
 * catch-all listeners carry none.
 */
import type { AnyListener } from "./typed-events.js";

/** Removes `listener` (or every listener when none is given) and returns the list to keep. */
export function removeAnyListener(
  list: AnyListener[] | undefined,
  listener: AnyListener | undefined,
): AnyListener[] | undefined {
  if (list === undefined) return undefined;
  if (listener === undefined) return [];
  const i = list.indexOf(listener);
  if (i !== -1) list.splice(i, 1);
  return list;
}

/** Calls every listener with `args` (a snapshot: listeners may remove themselves). */
export function callAnyListeners(list: AnyListener[] | undefined, self: unknown, args: unknown[]): void {
  if (list === undefined || list.length === 0) return;
  for (const listener of list.slice()) (listener as (...a: unknown[]) => void).apply(self, args);
}
