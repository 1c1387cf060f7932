/**
 * A TCP proxy that can go silent, for failover tests: it pipes each connection to one backend until
 * `blackhole()`, after which the connections open at that moment stay open but carry nothing either way
 * (a Redis failover behind a virtual IP, a dead middlebox: the client sees no error, only silence). New
 * connections are piped normally. Test code only: never imported from `src/`.
 */
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class BlackholeProxy {
  /** Connections accepted so far. */
  accepted = 0;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly host: string,
    private readonly backendPort: number,
  ) {
    this.server = createServer((client) => this.onConnection(client));
  }

  static async start(backendPort: number, host = "127.0.0.1"): Promise<BlackholeProxy> {
    const proxy = new BlackholeProxy(host, backendPort);
    proxy.server.listen(0, "127.0.0.1");
    await once(proxy.server, "listening");
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Silences every connection open now: bytes are read and dropped both ways; nothing is closed. */
  blackhole(): number {
    const silenced = this.pairs.size;
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.on("data", () => {});
      pair.upstream.on("data", () => {});
    }
    this.pairs.clear();
    return silenced;
  }

  async close(): Promise<void> {
    this.server.close();
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
  }

  private onConnection(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.backendPort, this.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
