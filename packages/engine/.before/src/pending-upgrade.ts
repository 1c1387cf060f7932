/**
 * A WebSocket probing to replace a session's polling transport (PROTOCOL.md §A7). Upgrades are rare and
 * short-lived, so this record owns two plain timers: the `upgradeTimeout`, and the 100 ms re-send of
 * `6` that releases the client's pending poll. Timer callbacks are module-level functions.
 * Layer: engine.
 */
import { ENGINE_PACKET_CODES, type EnginePacket } from "@plexus/protocol";
import type { Socket } from "./socket.js";
import type { Transport } from "./transport.js";

/** How often the pending poll is answered with `6` while the upgrade is in progress (as engine.io). */
const NOOP_INTERVAL_MS = 100;
const PROBE_REPLY = `${ENGINE_PACKET_CODES.pong}probe`;

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

  /** A packet on the probing WebSocket: `2probe` → `3probe`; `5` completes; anything else aborts (§A7). */
  onPacket(packet: EnginePacket): void {
    const session = this.session;
    if (packet.type === "ping" && packet.data === "probe") {
      this.transport.send([PROBE_REPLY], false);
      session.emit("upgrading", this.transport);
      this.startNoops();
    } else if (packet.type === "upgrade" && session.readyState !== "closed") {
      session._completeUpgrade(this);
    } else {
      session._cancelUpgrade();
    }
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
