/**
 * A WebSocket probing to replace a session's polling transport (PROTOCOL.md §A7). Upgrades are rare and
 * short-lived, so this record owns two plain timers: the `upgradeTimeout`, and the 100 ms re-send of
 * `6` that releases the client's pending poll. Timer callbacks are module-level functions.
 * Layer: engine.
 */
import type { Socket } from "./socket.js";
import type { Transport } from "./transport.js";

/** How often the pending poll is answered with `6` while the upgrade is in progress (as engine.io). */
const NOOP_INTERVAL_MS = 100;

function onUpgradeTimeout(upgrade: PendingUpgrade): void {
  upgrade.timeout = null;
  upgrade.session._cancelUpgrade();
}

function onNoopTick(upgrade: PendingUpgrade): void {
  upgrade.session._writeNoop();
}

export class PendingUpgrade {
  readonly session: Socket;
  readonly transport: Transport;
  timeout: ReturnType<typeof setTimeout> | null;
  interval: ReturnType<typeof setInterval> | null = null;

  constructor(session: Socket, transport: Transport, timeoutMs: number) {
    this.session = session;
    this.transport = transport;
    this.timeout = setTimeout(onUpgradeTimeout, timeoutMs, this);
  }

  /** After `3probe`: answer the pending poll with `6` now, then every 100 ms until `5` arrives. */
  startNoops(): void {
    if (this.interval !== null) clearInterval(this.interval);
    this.session._writeNoop();
    this.interval = setInterval(onNoopTick, NOOP_INTERVAL_MS, this);
  }

  stop(): void {
    if (this.timeout !== null) clearTimeout(this.timeout);
    if (this.interval !== null) clearInterval(this.interval);
    this.timeout = this.interval = null;
  }
}
