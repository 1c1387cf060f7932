/**
 * The two measurements `npm run bench:scale` makes of each side:
 *
 * - `measureSide`: N connections opened in steps (memory after `gc()` after each), then single emits to
 *   all N, then the clients idle for one ping interval (heartbeat CPU).
 * - `rampSide`: keep adding connections until the servers' total RSS reaches the cap, the first connect
 *   error or unexpected disconnect, the machine's memory reserve, or the ramp's maximum.
 *
 * Every reading is summed over the cluster's processes (primary included: socket.io's sticky primary
 * handles every connection, node:cluster's round-robin primary hands each one over).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { median, slope } from "../statistics.js";
import { availableMemory, ScaleFleet } from "./scale-fleet.js";
import type { ClusterReading, ScaleImpl } from "./scale-messages.js";
import type { ScaleOptions } from "./scale-options.js";

/** A point of the memory-versus-connections curve. */
export interface ScalePoint {
  readonly connections: number;
  /** Total server RSS (primary + workers), bytes, after gc(). */
  readonly rss: number;
}

export interface SideResult {
  readonly impl: ScaleImpl;
  readonly detail: string;
  readonly workers: number;
  readonly connections: number;
  readonly points: ScalePoint[];
  readonly rssEmpty: number;
  readonly rssFull: number;
  /**
   * RSS added per connection, bytes: the slope from the first step to N (from 0 with one step). The empty
   * cluster's RSS still holds start-up garbage that gc() does not return to the OS, so a slope between
   * loaded points is the steadier figure (as in `npm run bench`).
   */
  readonly rssPerConnection: number;
  /** Connections at the slope's first point. */
  readonly rssSlopeFrom: number;
  /** Sum of the steps' connect times, ms. */
  readonly openMs: number;
  readonly cpuPerConnection: number;
  readonly emitToLastMs: number;
  readonly cpuPerDelivery: number;
  readonly emitSamples: number[];
  /** Server CPU per connection over one ping interval while idle, µs (NaN when skipped). */
  readonly heartbeatCpuPerConnection: number;
  /** Server CPU while idle, ms per s of wall time (NaN when skipped). */
  readonly idleCpuMsPerSec: number;
  readonly connectFailures: number;
  /** Handshakes that failed once and succeeded when tried again. */
  readonly connectRetries: number;
  readonly unexpectedCloses: number;
  readonly generatorRss: number;
}

export interface RampResult {
  readonly impl: ScaleImpl;
  readonly workers: number;
  readonly points: ScalePoint[];
  /** Most connections held with no error, and the total server RSS then. */
  readonly held: number;
  readonly rssAtHeld: number;
  readonly stopReason: string;
  /** The load generators' RSS at the end (bytes): the client side's share of the machine. */
  readonly generatorRss: number;
  /** The machine's available memory at the end (bytes). */
  readonly availableAtEnd: number;
  /** False when the ramp stopped at `--ramp-max`: `held` is then a lower bound, not a ceiling. */
  readonly ceilingFound: boolean;
}

const MB = 2 ** 20;

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(0)} MB`;
}

export async function measureSide(
  impl: ScaleImpl,
  options: ScaleOptions,
  redisUrl: string | undefined,
  log: (message: string) => void,
): Promise<SideResult> {
  const fleet = new ScaleFleet(impl, options, redisUrl);
  try {
    await fleet.startCluster(options.workers);
    await fleet.ensureGenerators(options.connections);
    log(`${fleet.detail}: port ready`);
    await sleep(options.settleMs);
    const empty = await fleet.stats(true);
    const points = [{ connections: 0, rss: empty.rss }];
    let openMs = 0;
    let connectCpu = 0;
    let connectFailures = 0;
    let connectRetries = 0;
    for (let step = 1; step <= options.steps; step++) {
      const target = Math.round((options.connections * step) / options.steps);
      const outcome = await fleet.connectTo(target);
      openMs += outcome.elapsedMs;
      connectCpu += outcome.cpuMicros;
      connectFailures += outcome.failed;
      connectRetries += outcome.retried;
      if (outcome.failed > 0) log(`${impl}: ${outcome.failed} connect failures (${outcome.firstError})`);
      if (outcome.retried > 0) log(`${impl}: first retried handshake: ${outcome.firstRetryError}`);
      await sleep(options.settleMs);
      const reading = await fleet.stats(true);
      points.push({ connections: fleet.clients, rss: reading.rss });
      log(
        `${impl}: ${fleet.clients} connected (server counts ${reading.clients}) in ${(outcome.elapsedMs / 1000).toFixed(1)} s (${outcome.retried} retried), ` +
          `server RSS ${mb(reading.rss)}, ${(outcome.cpuMicros / Math.max(1, target - points[points.length - 2]!.connections)).toFixed(0)} µs CPU/connection`,
      );
    }
    const full = points[points.length - 1]!;
    const slopeFrom = points.length > 2 ? points[1]! : points[0]!;
    const n = fleet.clients;
    const payload = "x".repeat(options.payloadBytes);
    const samples: { toLastMs: number; cpuPerDelivery: number }[] = [];
    // A first emit warms up the broadcast path of every worker; it is not counted.
    await fleet.emitToAll(payload, 120_000);
    for (let i = 0; i < options.emitSamples; i++) {
      await sleep(500);
      const e = await fleet.emitToAll(payload, 120_000);
      samples.push({ toLastMs: e.toLastMs, cpuPerDelivery: e.cpuMicros / n });
      log(
        `${impl}: emit to ${e.complete}/${n}: last after ${e.toLastMs.toFixed(1)} ms, ${(e.cpuMicros / n).toFixed(2)} µs CPU/delivery`,
      );
    }
    let heartbeatCpuPerConnection = Number.NaN;
    let idleCpuMsPerSec = Number.NaN;
    if (options.heartbeat) {
      log(`${impl}: idle for one ping interval (${options.pingInterval / 1000} s)`);
      const before = await fleet.stats(false);
      await sleep(options.pingInterval);
      const after = await fleet.stats(false);
      const cpu = after.cpuMicros - before.cpuMicros;
      heartbeatCpuPerConnection = cpu / n;
      idleCpuMsPerSec = cpu / (after.at - before.at);
      log(
        `${impl}: idle ${idleCpuMsPerSec.toFixed(1)} ms CPU/s, ${heartbeatCpuPerConnection.toFixed(2)} µs per connection per ping interval`,
      );
    }
    const unexpectedCloses = await fleet.unexpectedCloses();
    const generatorRss = await fleet.generatorRss().catch(() => Number.NaN);
    return {
      impl,
      detail: fleet.detail,
      workers: options.workers,
      connections: n,
      points,
      rssEmpty: empty.rss,
      rssFull: full.rss,
      rssPerConnection: slope(slopeFrom.connections, slopeFrom.rss, full.connections, full.rss),
      rssSlopeFrom: slopeFrom.connections,
      openMs,
      cpuPerConnection: connectCpu / Math.max(1, n),
      emitToLastMs: median(samples.map((s) => s.toLastMs)),
      cpuPerDelivery: median(samples.map((s) => s.cpuPerDelivery)),
      emitSamples: samples.map((s) => Math.round(s.toLastMs * 10) / 10),
      heartbeatCpuPerConnection,
      idleCpuMsPerSec,
      connectFailures,
      connectRetries,
      unexpectedCloses,
      generatorRss,
    };
  } finally {
    await fleet.close();
  }
}

export async function rampSide(
  impl: ScaleImpl,
  options: ScaleOptions,
  redisUrl: string | undefined,
  log: (message: string) => void,
): Promise<RampResult> {
  const fleet = new ScaleFleet(impl, options, redisUrl);
  try {
    await fleet.startCluster(options.rampWorkers);
    await sleep(options.settleMs);
    const empty = await fleet.stats(true);
    const points = [{ connections: 0, rss: empty.rss }];
    let held = 0;
    let rssAtHeld = empty.rss;
    let stopReason = `ramp maximum (${options.rampMax} connections) reached`;
    let lastDrop = 0;
    while (held < options.rampMax) {
      const availableBefore = availableMemory();
      if (availableBefore - lastDrop < options.reserveBytes) {
        stopReason = `machine memory: ${mb(availableBefore)} available, the next step would pass the reserve`;
        break;
      }
      const target = Math.min(options.rampMax, held + options.rampStep);
      let reading: ClusterReading;
      try {
        const outcome = await fleet.connectTo(target);
        await sleep(options.settleMs);
        reading = await fleet.stats(true);
        lastDrop = Math.max(0, availableBefore - availableMemory());
        points.push({ connections: fleet.clients, rss: reading.rss });
        const closes = await fleet.unexpectedCloses();
        log(
          `${impl} ramp: ${fleet.clients} connected in ${(outcome.elapsedMs / 1000).toFixed(1)} s, server RSS ${mb(reading.rss)}, ` +
            `machine ${mb(availableMemory())} available`,
        );
        if (outcome.failed > 0) {
          stopReason = `first errors: ${outcome.failed} connect failures at ${target} (${outcome.firstError})`;
          break;
        }
        if (closes > 0) {
          stopReason = `first errors: ${closes} unexpected disconnects at ${target}`;
          break;
        }
      } catch (error) {
        // A worker that died (e.g. out of memory) or stopped answering is this side's ceiling too.
        stopReason = `first errors at ${target}: ${error instanceof Error ? error.message : error}`;
        break;
      }
      held = fleet.clients;
      rssAtHeld = reading.rss;
      if (reading.rss >= options.rampCapBytes) {
        stopReason = `memory cap: server RSS ${mb(reading.rss)} ≥ ${mb(options.rampCapBytes)}`;
        break;
      }
    }
    log(`${impl} ramp: holds ${held} (${stopReason})`);
    const ceilingFound = !stopReason.startsWith("ramp maximum");
    const generatorRss = await fleet.generatorRss().catch(() => Number.NaN);
    return {
      impl,
      workers: options.rampWorkers,
      points,
      held,
      rssAtHeld,
      stopReason,
      generatorRss,
      availableAtEnd: availableMemory(),
      ceilingFound,
    };
  } finally {
    await fleet.close();
  }
}
