/**
 * The cluster benchmark's own `redis-server` (free loopback port, no persistence; `test-support`'s
 * launcher) and what it reads from it: `INFO stats` `total_net_output_bytes`, the bytes Redis sent to
 * all its clients — pub/sub deliveries to the nodes, replies, and the INFO replies themselves: `egressSince`
 * takes out the INFO reply and what the idle cluster sends meanwhile (heartbeats, probes; `idleRate`).
 */
import { createClient } from "redis";
import { startRedis, type TestRedis } from "../../test-support/redis-server.js";

/** What the probe uses of its node-redis client. */
interface Client {
  info(section: string): Promise<string>;
  quit(): Promise<unknown>;
}

export interface EgressMark {
  readonly bytes: number;
  readonly at: number;
}

export class RedisProbe {
  readonly url: string;
  private readonly server: TestRedis;
  private readonly client: Client;
  private infoBytes: number | undefined;

  private constructor(server: TestRedis, client: Client) {
    this.server = server;
    this.url = server.url;
    this.client = client;
  }

  static async start(): Promise<RedisProbe> {
    const server = await startRedis();
    const client = createClient({ url: server.url });
    client.on("error", () => {});
    await client.connect();
    return new RedisProbe(server, client as unknown as Client);
  }

  /** `total_net_output_bytes` now. */
  private async outputBytes(): Promise<number> {
    const info = await this.client.info("stats");
    const match = /total_net_output_bytes:(\d+)/.exec(info);
    if (match === null) throw new Error("INFO stats has no total_net_output_bytes");
    return Number(match[1]);
  }

  /** A starting point for `egressSince`. */
  async mark(): Promise<EgressMark> {
    if (this.infoBytes === undefined) {
      // The bytes of one INFO reply (counted between two readings): the smallest of a few back-to-back pairs.
      let smallest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++)
        smallest = Math.min(smallest, -(await this.outputBytes()) + (await this.outputBytes()));
      this.infoBytes = smallest;
    }
    return { bytes: await this.outputBytes(), at: performance.now() };
  }

  /**
   * Bytes Redis sent since `mark`, less the INFO reply of the first reading and `idleRate` (bytes/ms, from
   * `idleRate()`) times the time elapsed.
   */
  async egressSince(mark: EgressMark, idleRate: number): Promise<number> {
    const bytes = await this.outputBytes();
    return bytes - mark.bytes - (this.infoBytes ?? 0) - idleRate * (performance.now() - mark.at);
  }

  /** Output bytes per ms while nothing but the cluster's own housekeeping runs (heartbeats), over `windowMs`. */
  async idleRate(windowMs: number): Promise<number> {
    const mark = await this.mark();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    return Math.max(0, await this.egressSince(mark, 0)) / (performance.now() - mark.at);
  }

  async stop(): Promise<void> {
    await this.client.quit().catch(() => {});
    await this.server.stop();
  }
}
