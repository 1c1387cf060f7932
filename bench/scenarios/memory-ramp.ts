/**
 * Connects idle clients level by level (e.g. 1k, 5k, 10k, 19k) to one server process and reads its memory
 * at each level after gc(); the server CPU spent while connecting gives the cost per connection.
 */
import type { TransportName } from "../control-messages.js";
import type { MemoryPoint, ScenarioContext } from "../scenario-context.js";
import { slope } from "../statistics.js";

export interface RampResult {
  readonly points: MemoryPoint[];
  readonly metrics: Record<string, number>;
}

/**
 * `afterLevel` runs once a level is reached and measured (e.g. a round-trip measurement with only the
 * first level's clients connected, before heartbeats of thousands of idle clients add to the CPU reading).
 */
export async function memoryRamp(
  ctx: ScenarioContext,
  levels: readonly number[],
  transport: TransportName,
  afterLevel?: (level: number) => Promise<void>,
): Promise<RampResult> {
  const points: MemoryPoint[] = [];
  const empty = await ctx.memory();
  points.push({ clients: 0, rss: empty.rss, heapUsed: empty.heapUsed });
  const metrics: Record<string, number> = {};
  let warmCpu = 0;
  let warmAdded = 0;
  let previous = 0;
  for (const [i, level] of levels.entries()) {
    const step = await ctx.connectTo(level, transport);
    const added = level - previous;
    previous = level;
    // The first step also pays for warming up (JIT, lazy modules); later steps are the steady cost.
    if (i > 0 || levels.length === 1) {
      warmCpu += step.cpuMicros;
      warmAdded += added;
    }
    const m = await ctx.memory();
    points.push({ clients: level, rss: m.rss, heapUsed: m.heapUsed });
    metrics[`rss@${level}`] = m.rss;
    metrics[`heap@${level}`] = m.heapUsed;
    metrics[`connectCpu@${level}`] = step.cpuMicros / added;
    metrics[`idleCpuPerSec@${level}`] = m.idleCpuPerSec;
    ctx.log(
      `${level} ${transport} clients: rss ${(m.rss / 2 ** 20).toFixed(1)} MB, heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MB, ` +
        `${(step.cpuMicros / added).toFixed(0)} µs CPU/connection, ${(added / (step.elapsedMs / 1000)).toFixed(0)} conn/s, ` +
        `idle ${(m.idleCpuPerSec / 1000).toFixed(1)} ms CPU/s`,
    );
    await afterLevel?.(level);
  }
  const last = points[points.length - 1]!;
  const prev = points[points.length - 2]!;
  metrics.rssPerClient = slope(prev.clients, prev.rss, last.clients, last.rss);
  metrics.heapPerClient = slope(prev.clients, prev.heapUsed, last.clients, last.heapUsed);
  metrics.cpuPerConnection = warmCpu / warmAdded;
  metrics.idleCpuPerSec = points.length > 0 ? metrics[`idleCpuPerSec@${last.clients}`]! : Number.NaN;
  return { points, metrics };
}
