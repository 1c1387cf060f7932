/**
 * No sticky sessions (issue 13, README "No sticky sessions"): three Plexus processes behind a
 * round-robin TCP proxy, joined by a session router — direct (HTTP/TCP to the owner's internal listener)
 * and channel (messages through the test process, as a cluster adapter's broker would carry them). The
 * official client and ours, polling-only and with upgrade, send acked events and get server emits: no
 * connect error, no unexpected disconnect, every ack answered by the owner. A real Chromium does the same
 * with both bundles.
 * Then the owner of a session is SIGKILLed: its sid gets "Session ID unknown" and the client reconnects.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io as plexusIo } from "@plexus/client";
import { io as officialIo } from "socket.io-client";
import { chromiumSkip, launchChromium } from "../../../test-support/chromium.js";
import { deferred } from "../../../test-support/deferred.js";
import { RoutedCluster, type RoutingMode } from "./routed-cluster.js";

/** What both clients' sockets offer that the scenario uses. */
interface ClientSocket {
  readonly id: string | undefined;
  readonly io: {
    engine: { transport: { name: string }; once(e: "upgrade", f: () => void): void; id?: string };
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

interface Outcome {
  readonly nodes: Set<string>;
  readonly acks: number;
  readonly news: number[];
  readonly transport: string;
}

/** One client: connects, 10 acked events, 5 server emits, (upgrade, 5 more acks), disconnects. */
async function exercise(connect: Connect, url: string, upgrade: boolean): Promise<Outcome> {
  const socket = connect(url, {
    transports: upgrade ? ["polling", "websocket"] : ["polling"],
    forceNew: true,
    reconnection: false,
  });
  const failed = deferred<never>();
  socket.on("connect_error", (e: Error) => failed.reject(new Error(`connect_error: ${e.message}`)));
  socket.on("disconnect", (reason: string) => failed.reject(new Error(`unexpected disconnect: ${reason}`)));
  const run = async (): Promise<Outcome> => {
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const nodes = new Set<string>();
    let acks = 0;
    const ackRound = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const reply = (await socket.timeout(10_000).emitWithAck("echo", i)) as { v: number; node: string };
        assert.equal(reply.v, i);
        nodes.add(reply.node);
        acks++;
      }
    };
    await ackRound(10);
    const news: number[] = [];
    const allNews = new Promise<void>((resolve) =>
      socket.on("news", (n: number) => {
        news.push(n);
        if (news.length === 5) resolve();
      }),
    );
    socket.emit("push", 5);
    await allNews;
    if (upgrade) {
      const engine = socket.io.engine;
      if (engine.transport.name !== "websocket") await new Promise<void>((r) => engine.once("upgrade", r));
      await ackRound(5);
    }
    return { nodes, acks, news, transport: socket.io.engine.transport.name };
  };
  try {
    return await Promise.race([run(), failed.promise]);
  } finally {
    socket.disconnect();
  }
}

for (const mode of ["direct", "channel"] as RoutingMode[]) {
  describe(`no sticky sessions, ${mode} router, 3 processes behind a round-robin proxy`, () => {
    let cluster: RoutedCluster;
    before(async () => {
      cluster = await RoutedCluster.start(mode);
    });
    after(() => cluster.close());

    for (const [name, connect] of clients) {
      for (const upgrade of [false, true]) {
        test(`${name}, ${upgrade ? "with upgrade" : "polling only"}: acks and emits through any node`, {
          timeout: 60_000,
        }, async () => {
          const before = await cluster.forwarded();
          const outcomes = await Promise.all(
            Array.from({ length: 6 }, () => exercise(connect, cluster.url, upgrade)),
          );
          for (const o of outcomes) {
            assert.equal(o.acks, upgrade ? 15 : 10);
            assert.deepEqual(o.news, [0, 1, 2, 3, 4]);
            // Every ack of a client comes from one node: its session's owner.
            assert.equal(o.nodes.size, 1);
            assert.equal(o.transport, upgrade ? "websocket" : "polling");
          }
          // Sessions live on several nodes, and requests did cross nodes.
          assert.ok(new Set(outcomes.flatMap((o) => [...o.nodes])).size > 1);
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
        skip: chromiumSkip,
        timeout: 90_000,
      }, async () => {
        const browser = await launchChromium("plexus-routing-");
        try {
          const before = await cluster.forwarded();
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
          const afterRun = await cluster.forwarded();
          assert.ok(afterRun.forwarded > before.forwarded, "no request was forwarded");
        } finally {
          await browser.close();
        }
      });
    }

    test("the owner is SIGKILLed: its sid gets Session ID unknown, the client reconnects to a live node", {
      timeout: 60_000,
    }, async () => {
      const socket = officialIo(cluster.url, { transports: ["polling"], forceNew: true });
      try {
        await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
        const first = (await socket.timeout(10_000).emitWithAck("echo", "before")) as { node: string };
        const sid = socket.io.engine.id;
        const disconnected = new Promise<string>((resolve) => socket.once("disconnect", resolve));
        const reconnected = new Promise<void>((resolve) => socket.io.once("reconnect", () => resolve()));
        await cluster.kill(first.node);
        await disconnected;
        await reconnected;
        const second = (await socket.timeout(10_000).emitWithAck("echo", "after")) as { node: string };
        assert.notEqual(second.node, first.node);
        // Any live node answers the dead owner's sid exactly as an unknown session.
        for (let i = 0; i < 2; i++) {
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
