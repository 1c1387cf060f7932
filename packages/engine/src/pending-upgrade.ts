/**
 * A WebSocket probing to replace a session's polling transport (PROTOCOL.md §A7). Upgrades are rare and
 * short-lived, so this record owns two plain timers: the upgrade deadline, and the 100 ms re-send of `6`
 * that releases the client's pending poll. Timer callbacks are module-level functions.
 *
 * The deadline has two stages. Until `3probe` is sent it is `upgradeTimeout` (as engine.io): a client
 * whose probe is closed then has not stopped polling and carries on. Once `3probe` is sent the client
 * pauses polling and commits to the WebSocket: engine.io-client never resumes polling after a failed probe
 * (ours does), and a client that already sent `5` has switched. Closing the probe then loses the session, so a
 * slow client (a starved process, a stalled network) must still be able to send a late `5`: from the probe
 * on, the deadline becomes at least `pingInterval + pingTimeout`, the time after which the client's own
 * heartbeat gives up; a client that paused and went away is closed sooner by the server's ping timeout,
 * since its pings now wait in a poll nobody makes.
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
  /** `3probe` was sent: the client may have paused polling, the deadline is the committed one. */
  probed = false;

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
      if (!this.probed) {
        // Once per upgrade: a client repeating `2probe` does not push the deadline further.
        this.probed = true;
        const o = session.server.opts;
        if (this.timeout !== null) clearTimeout(this.timeout);
        this.timeout = setTimeout(
          onUpgradeTimeout,
          Math.max(o.upgradeTimeout, o.pingInterval + o.pingTimeout),
          this,
        );
      }
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
