/**
 * No sticky sessions through the adapter, end to end (issue 13): three Plexus nodes joined by an adapter —
 * three processes with `@plexus/redis-adapter` behind a round-robin TCP proxy, and three node:cluster
 * workers with `@plexus/cluster-adapter` on one port — with no session router configured (the server
 * installs one from the adapter; over Redis, both routes: through Redis, and direct to the owner's
 * advertised internal listener). The official client and ours, polling-only and with upgrade, join a room,
 * send acked events and receive room broadcasts from every node: zero connect errors, zero unexpected
 * disconnects, every ack answered (by the session's owner), every broadcast exactly once. A real Chromium
 * does the same behind the proxy. The owner is SIGKILLed mid-session: the client reconnects cleanly.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io as plexusIo } from "@plexus/client";
import { io as officialIo } from "socket.io-client";
import { chromiumSkip, launchChromium } from "../../../test-support/chromium.js";
import { deferred } from "../../../test-support/deferred.js";
import { AdapterCluster, type AdapterKind } from "./adapter-cluster.js";

interface ClientSocket {
  readonly io: {
    engine: { transport: { name: string }; once(e: "upgrade", f: () => void): void; id?: string };
    once(e: "reconnect", f: () => void): void;
  };
  on(event: string, fn: (...args: never[]) => void): unknown;
  once(event: string, fn: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  disconnect(): unknown;
}
type Connect = (url: string, opts: Record<string, unknown>) => ClientSocket;
const clients: [string, Connect][] = [
  ["socket.io-client", (url, opts) => officialIo(url, opts) as unknown as ClientSocket],
  ["@plexus/client", (url, opts) => plexusIo(url, opts) as unknown as ClientSocket],
];

const CLIENTS = 6;
const TAGS = ["t0", "t1", "t2", "t3"];

/** One client through the scenario; `ready` resolves once it joined the room and sent its acked events. */
class Participant {
  readonly owners = new Set<string>();
  acks = 0;
  /** `node/tag` → how many times it arrived. */
  readonly received = new Map<string, number>();
  readonly failed = deferred<never>();
  private fenceSeen = new Set<string>();
  private fence = deferred<void>();
  readonly socket: ClientSocket;

  constructor(
    connect: Connect,
    url: string,
    private readonly upgrade: boolean,
    private readonly nodes: readonly string[],
  ) {
    this.socket = connect(url, {
      transports: upgrade ? ["polling", "websocket"] : ["polling"],
      forceNew: true,
      reconnection: false,
    });
    this.failed.promise.catch(() => {});
    this.socket.on("connect_error", (e: Error) =>
      this.failed.reject(new Error(`connect_error: ${e.message}`)),
    );
    this.socket.on("disconnect", (r: string) => this.failed.reject(new Error(`unexpected disconnect: ${r}`)));
    this.socket.on("room-news", (node: string, tag: string) => {
      if (tag === "fence") {
        this.fenceSeen.add(node);
        if (this.fenceSeen.size === this.nodes.length) this.fence.resolve();
        return;
      }
      const key = `${node}/${tag}`;
      this.received.set(key, (this.received.get(key) ?? 0) + 1);
    });
  }

  private race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failed.promise]);
  }

  private async ackRound(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const reply = (await this.socket.timeout(15_000).emitWithAck("echo", i)) as { v: number; node: string };
      assert.equal(reply.v, i);
      this.owners.add(reply.node);
      this.acks++;
    }
  }

  async prepare(): Promise<void> {
    await this.race(new Promise<void>((resolve) => this.socket.once("connect", () => resolve())));
    const owner = (await this.race(this.socket.timeout(15_000).emitWithAck("join", "everyone"))) as string;
    this.owners.add(owner);
    await this.race(this.ackRound(10));
    if (this.upgrade) {
      const engine = this.socket.io.engine;
      if (engine.transport.name !== "websocket")
        await this.race(new Promise<void>((r) => engine.once("upgrade", r)));
      await this.race(this.ackRound(5));
    }
  }

  async fanout(tag: string): Promise<void> {
    await this.race(this.socket.timeout(15_000).emitWithAck("fanout", "everyone", tag));
  }

  /**
   * Resolves once every node's fence arrived. Each fanout is acknowledged once every node emitted it, so
   * every node emitted its broadcasts before its fence: they arrived before it (order per sender).
   */
  settled(): Promise<void> {
    return this.race(this.fence.promise);
  }
}

const WHERE: Record<AdapterKind, string> = {
  redis: "3 processes + Redis behind a round-robin proxy",
  "redis-direct": "3 processes + Redis behind a round-robin proxy, direct routing",
  cluster: "3 node:cluster workers on one port, IPC adapter",
};

for (const kind of ["redis", "redis-direct", "cluster"] as AdapterKind[]) {
  const where = WHERE[kind];
  describe(`no sticky sessions through the adapter: ${where}`, () => {
    let cluster: AdapterCluster;
    before(async () => {
      cluster = await AdapterCluster.start(kind);
    });
    after(() => cluster.close());

    for (const [name, connect] of clients) {
      for (const upgrade of [false, true]) {
        test(`${name}, ${upgrade ? "with upgrade" : "polling only"}: acks, and room broadcasts from every node exactly once`, {
          timeout: 90_000,
        }, async () => {
          const before = await cluster.forwarded();
          const people = Array.from(
            { length: CLIENTS },
            () => new Participant(connect, cluster.url, upgrade, cluster.nodeIds),
          );
          try {
            await Promise.all(people.map((p) => p.prepare()));
            // Broadcasts from every node (each fanout makes every node emit to the room), then a fence.
            for (const [i, tag] of TAGS.entries()) await people[i % CLIENTS]!.fanout(tag);
            await people[0]!.fanout("fence");
            await Promise.all(people.map((p) => p.settled()));
            for (const p of people) {
              assert.equal(p.acks, upgrade ? 15 : 10);
              // Every ack of a client comes from one node: its session's owner.
              assert.equal(p.owners.size, 1);
              assert.equal(p.socket.io.engine.transport.name, upgrade ? "websocket" : "polling");
              const expected = new Map(
                cluster.nodeIds.flatMap((n) => TAGS.map((t) => [`${n}/${t}`, 1] as const)),
              );
              assert.deepEqual(new Map([...p.received].sort()), new Map([...expected].sort()));
            }
          } finally {
            for (const p of people) {
              p.socket.disconnect();
            }
          }
          // Sessions live on several nodes, and requests did cross nodes without a failure.
          assert.ok(new Set(people.flatMap((p) => [...p.owners])).size > 1);
          const afterRun = await cluster.forwarded();
          assert.ok(afterRun.forwarded > before.forwarded, "no request was forwarded");
          assert.equal(afterRun.failed, before.failed);
        });
      }
    }

    for (const [bundle, upgrade] of [
      ["official", false],
      ["official", true],
      ["plexus", false],
      ["plexus", true],
    ] as const) {
      test(`Chromium, ${bundle} bundle, ${upgrade ? "with upgrade" : "polling only"}`, {
        // Direct routing: the Node clients suffice (the browser's wire is the same through either route).
        skip: kind === "redis-direct" ? "Chromium runs with the channel route" : chromiumSkip,
        timeout: 90_000,
      }, async () => {
        const browser = await launchChromium("plexus-adapter-routing-");
        try {
          const results = await Promise.all(
            [0, 1].map(async () => {
              const page = await browser.context.newPage();
              await page.goto(`${cluster.url}/${bundle}/${upgrade ? "upgrade" : "polling-only"}`);
              return (await page.evaluate("window.run()")) as {
                nodes: string[];
                news: number[];
                disconnects: number;
                transport: string;
              };
            }),
          );
          for (const r of results) {
            assert.equal(r.nodes.length, 1);
            assert.deepEqual(r.news, [0, 1, 2, 3, 4]);
            assert.equal(r.disconnects, 0);
            assert.equal(r.transport, upgrade ? "websocket" : "polling");
          }
        } finally {
          await browser.close();
        }
      });
    }

    test("the owner is SIGKILLed mid-session: Session ID unknown, the client reconnects to a live node", {
      timeout: 60_000,
    }, async () => {
      const socket = officialIo(cluster.url, { transports: ["polling"], forceNew: true });
      try {
        await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
        const first = (await socket.timeout(15_000).emitWithAck("echo", "before")) as { node: string };
        const sid = socket.io.engine.id;
        const disconnected = new Promise<string>((resolve) => socket.once("disconnect", resolve));
        const reconnected = new Promise<void>((resolve) => socket.io.once("reconnect", () => resolve()));
        await cluster.kill(first.node);
        assert.equal(await disconnected, "transport error");
        await reconnected;
        const second = (await socket.timeout(15_000).emitWithAck("echo", "after")) as { node: string };
        assert.notEqual(second.node, first.node);
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${cluster.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
          assert.equal(res.status, 400);
          assert.equal(await res.text(), '{"code":1,"message":"Session ID unknown"}');
        }
      } finally {
        socket.disconnect();
      }
    });
  });
}
