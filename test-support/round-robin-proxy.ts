/**
 * A round-robin TCP proxy for the routing tests (README "No sticky sessions"): it accepts on 127.0.0.1
 * port 0 and pipes each new TCP connection to the next backend in turn — no stickiness, no look at the
 * bytes, like an L4 load balancer. A backend that refuses the connection is skipped for that connection
 * (what HAProxy's `retries` + `option redispatch` do), so a killed node does not fail new connections.
 * Test code and the cluster demo (examples/demo/cluster.ts) only: never imported from `src/`.
 */
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

export interface Backend {
  readonly host: string;
  readonly port: number;
}

export class RoundRobinProxy {
  /** Connections accepted so far, and how many went to each backend (by index). */
  accepted = 0;
  readonly perBackend: number[];
  private next = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly backends: readonly Backend[]) {
    this.perBackend = backends.map(() => 0);
    this.server = createServer((client) => this.onConnection(client));
  }

  /** Listens on 127.0.0.1, on `port` (default: a free one). */
  static async start(backends: readonly Backend[], port = 0): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(backends);
    proxy.server.listen(port, "127.0.0.1");
    await once(proxy.server, "listening");
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  }

  private onConnection(client: Socket): void {
    this.accepted++;
    this.track(client);
    client.pause();
    this.dial(client, this.backends.length);
  }

  private dial(client: Socket, attempts: number): void {
    if (attempts === 0 || client.destroyed) {
      client.destroy();
      return;
    }
    const index = this.next;
    this.next = (this.next + 1) % this.backends.length;
    const backend = this.backends[index]!;
    const upstream = connect(backend.port, backend.host);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      this.perBackend[index]!++;
      this.track(upstream);
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    upstream.once("error", () => {
      if (!connected) this.dial(client, attempts - 1);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
