/**
 * When the writes of a batch leave (DESIGN.md principle 2): at the end of the tick, or at the end of the
 * event-loop iteration. Shared by the WebSocket connections' uncork (this layer) and, above it, the
 * polling sessions' flush (the engine's server).
 *
 * - The loop waited for I/O since the last flush (a quiet server): the batch leaves at the end of the tick
 *   (`process.nextTick`), at once and for the price of a tick.
 * - It did not (a busy server: libuv found events ready without waiting, or the callbacks of one poll
 *   phase follow each other) and the caller expects later callbacks to write to the same connections
 *   (WebSocket: the previous batch wrote to a connection of this one; polling: always, as a poll response
 *   costs a round trip): the batch leaves at the end of the iteration (`setImmediate`). The messages of
 *   many clients read in one go, each rebroadcast by its own listener, then share one syscall per
 *   recipient instead of one each (`bench/server-hot-paths.ts --only relay`: ~10× less CPU per delivery).
 * An immediate costs ~2 µs more than a tick here (`bench/engine-hot-paths.ts --only ws-echo`), which echo
 * traffic, each batch to other connections, would pay for nothing. "Waited" is read from libuv's idle-time
 * metric (`performance.nodeTiming.idleTime`, ~40 ns), which only grows while the loop blocks in its poll.
 * Either way a batch leaves within the iteration that wrote it; the choice only moves it later in it.
 * Layer: engine (transport).
 */
import { performance } from "node:perf_hooks";

const timing = performance.nodeTiming;
let idleAtLastFlush = -1;

/**
 * Schedules `flush(arg)`: for the end of the iteration when `deferIfBusy` and the loop has not waited for
 * I/O since the last flush, otherwise for the end of the tick.
 */
export function scheduleBatchFlush<T>(flush: (arg: T) => void, arg: T, deferIfBusy: boolean): void {
  if (deferIfBusy && timing.idleTime === idleAtLastFlush) setImmediate(flush, arg);
  else process.nextTick(flush, arg);
}

/** Called by a flush when it starts: the next batch compares the loop's idle time against this moment. */
export function noteBatchFlushed(): void {
  idleAtLastFlush = timing.idleTime;
}
