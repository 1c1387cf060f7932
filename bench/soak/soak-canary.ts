/**
 * The soak's canary: one raw WebSocket client per server (the bench's `RawWebSocketClient`), living in the
 * quiet orchestrator process rather than in a busy generator, that emits `echo` with an ack every 200 ms for
 * the whole run. Its round-trip times are what a well-behaved client sees while the churn goes on.
 */
import type { BenchClient, ClientEvents } from "../bench-client.js";
import { wallNow } from "../control-messages.js";
import { RawWebSocketClient } from "../raw-websocket-client.js";
import { echoEventData } from "../raw-wire.js";
import { percentile } from "../statistics.js";

const INTERVAL_MS = 200;
/** An ack later than this counts as lost. */
const LOST_MS = 15_000;

export interface CanaryResult {
  readonly sent: number;
  readonly acked: number;
  readonly lost: number;
  readonly reconnects: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class Canary {
  private client: RawWebSocketClient | undefined;
  private readonly latencies: number[] = [];
  private sent = 0;
  private lost = 0;
  private reconnects = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly port: number;
  private readonly events: ClientEvents;

  constructor(port: number) {
    this.port = port;
    this.events = {
      broadcast: () => {},
      ack: (client: BenchClient, id: number) => {
        const at = client.sentAt?.get(id);
        if (at === undefined) return;
        client.sentAt!.delete(id);
        this.latencies.push(wallNow() - at);
      },
      closed: () => {
        if (!this.stopped) void this.open(true);
      },
    };
  }

  async open(reconnect = false): Promise<void> {
    if (reconnect) this.reconnects++;
    const client = new RawWebSocketClient(
      { host: "127.0.0.1", port: this.port, path: "/socket.io/", level: "socket", localAddress: "127.0.0.1" },
      this.events,
    );
    this.client = client;
    try {
      await client.open(30_000);
    } catch {
      if (!this.stopped) setTimeout(() => void this.open(true), 1000);
      return;
    }
    this.timer ??= setInterval(() => this.tick(), INTERVAL_MS);
  }

  private tick(): void {
    const client = this.client;
    if (client === undefined) return;
    const now = wallNow();
    client.sentAt ??= new Map();
    for (const [id, at] of client.sentAt) {
      if (now - at > LOST_MS) {
        client.sentAt.delete(id);
        this.lost++;
      }
    }
    const id = client.nextAckId++;
    client.sentAt.set(id, now);
    this.sent++;
    client.sendMessage(echoEventData(id, "canary"));
  }

  stop(): CanaryResult {
    this.stopped = true;
    clearInterval(this.timer);
    this.client?.close();
    return {
      sent: this.sent,
      acked: this.latencies.length,
      lost: this.lost,
      reconnects: this.reconnects,
      p50: percentile(this.latencies, 50),
      p99: percentile(this.latencies, 99),
      max: this.latencies.reduce((a, b) => Math.max(a, b), 0),
    };
  }
}
