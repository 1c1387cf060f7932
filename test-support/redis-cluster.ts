/**
 * A real 3-master Redis Cluster for tests: cluster-enabled `redis-server`s on free loopback ports, no
 * persistence, their cluster config files in a temporary folder, joined with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`, awaited until every node reports
 * `cluster_state:ok`. Stopped by PID. Test code only.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestRedisCluster {
  readonly ports: readonly number[];
  /** `{ host, port }` of every master, as cluster clients take their seed nodes. */
  readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function freePorts(count: number): Promise<number[]> {
  // Cluster bus ports are port + 10000: keep both below 65536, and hold the probes open together so the
  // ports differ.
  const probes = [];
  const ports: number[] = [];
  while (ports.length < count) {
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    probes.push(probe);
    const { port } = probe.address() as { port: number };
    if (port < 55_000) ports.push(port);
  }
  await Promise.all(probes.map((p) => new Promise((resolve) => p.close(resolve))));
  return ports;
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--cluster-node-timeout",
      "5000",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    child.once("error", reject);
  });
  child.stderr?.resume();
  return child;
}

async function clusterOk(port: number): Promise<boolean> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "cluster", "info"]);
  return stdout.includes("cluster_state:ok");
}

export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "plexus-redis-cluster-"));
  const ports = await freePorts(masters);
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.splice(0).map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) children.push(await launch(port, dir));
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    // The nodes agree on the slot map through the cluster bus: a few hundred ms on an idle machine.
    const deadline = performance.now() + 60_000;
    for (;;) {
      const ok = await Promise.all(ports.map(clusterOk));
      if (ok.every(Boolean)) break;
      if (performance.now() > deadline) throw new Error("Redis Cluster not ok within 60 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ports,
    nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
