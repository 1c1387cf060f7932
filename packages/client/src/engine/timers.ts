/**
 * The timer functions the client runs on. engine.io-client's `useNativeTimers`: with it, the `setTimeout` /
 * `clearTimeout` found when this module loaded, so a test framework that later swaps the globals for a fake
 * clock (sinon, `node:test`'s `mock.timers`) does not stop heartbeats, reconnection and ack timeouts; without
 * it, whatever the globals are when a timer is set.
 */
const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  readonly set: (fn: () => void, ms: number) => TimerHandle;
  readonly clear: (timer: TimerHandle | undefined) => void;
}

const NATIVE: Timers = {
  set: (fn, ms) => nativeSetTimeout(fn, ms),
  clear: (timer) => nativeClearTimeout(timer),
};

const CURRENT: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (timer) => clearTimeout(timer),
};

/** The timers of an engine socket or Manager created with these options. */
export function timersFor(useNativeTimers: boolean | undefined): Timers {
  return useNativeTimers === true ? NATIVE : CURRENT;
}
