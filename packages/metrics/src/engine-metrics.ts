/**
 * The Engine.IO-level metrics: sessions open now (by transport) and their outbound buffers, counted from
 * the live sessions; sessions opened and closed, refused requests, messages and bytes each way,
 * broadcast deliveries, volatile drops and slow-consumer disconnects, copied from `io.engine.stats`
 * (engine-stats.ts). Before the server is attached there is no engine, and these metrics have no series.
 * Layer: metrics (on top of server).
 */
import { ENGINE_ERROR_MESSAGES, type Server as Engine, type EngineStats } from "@plexus/engine";
import { EngineCloseReasons } from "@plexus/protocol";
import type { EmitSeries, MetricSpec } from "./metric-spec.js";
import type { MetricsSource } from "./metrics-source.js";

type Field =
  | "messagesReceived"
  | "messagesSent"
  | "bytesReceived"
  | "bytesSent"
  | "preparedDeliveries"
  | "volatileDrops";

/** Which plain counters of `EngineStats` become which metric. */
const COUNTERS: readonly [Field, string, string][] = [
  [
    "messagesReceived",
    "plexus_packets_received_total",
    "Engine.IO message packets received (text and binary).",
  ],
  [
    "messagesSent",
    "plexus_packets_sent_total",
    "Engine.IO message packets sent (each broadcast recipient counts).",
  ],
  [
    "bytesReceived",
    "plexus_received_bytes_total",
    "Payload bytes of the messages received (UTF-8 text, binary).",
  ],
  ["bytesSent", "plexus_sent_bytes_total", "Payload bytes of the messages sent (UTF-8 text, binary)."],
  ["preparedDeliveries", "plexus_broadcast_deliveries_total", "Broadcast packets written to a recipient."],
  [
    "volatileDrops",
    "plexus_volatile_drops_total",
    "Volatile packets dropped: their connection could not take them at once.",
  ],
];

/** Calls `fn` with the engine's counters, if there is an engine. */
function withStats(io: MetricsSource, fn: (stats: EngineStats) => void): void {
  const stats = io.engine?.stats;
  if (stats !== null && stats !== undefined) fn(stats);
}

/** What one walk over the open sessions finds. */
interface SessionTotals {
  websocket: number;
  polling: number;
  bufferedBytes: number;
  maxBufferedBytes: number;
}

/** Walks every open session once: connections by transport and outbound buffers. */
function walkSessions(engine: Engine): SessionTotals {
  const totals = { websocket: 0, polling: 0, bufferedBytes: 0, maxBufferedBytes: 0 };
  const clients = engine.clients;
  for (const id in clients) {
    const session = clients[id]!;
    if (session.transport.name === "websocket") totals.websocket++;
    else totals.polling++;
    const buffered = session.bufferedAmount;
    totals.bufferedBytes += buffered;
    if (buffered > totals.maxBufferedBytes) totals.maxBufferedBytes = buffered;
  }
  return totals;
}

/** The Engine.IO-level metric specs of `io`. */
export function engineMetricSpecs(io: MetricsSource): MetricSpec[] {
  // A registry collects every metric in one synchronous run: the first of these three gauges to be read
  // walks the sessions and the others reuse its totals until the run ends (one pass per scrape, not three).
  let totals: SessionTotals | null = null;
  const current = (): SessionTotals | null => {
    if (totals === null && io.engine !== undefined) {
      totals = walkSessions(io.engine);
      queueMicrotask(() => {
        totals = null;
      });
    }
    return totals;
  };
  const specs: MetricSpec[] = [
    {
      name: "plexus_engine_connections",
      help: "Engine.IO connections (sessions) open now, by transport.",
      type: "gauge",
      labelNames: ["transport"],
      read(emit) {
        const t = current();
        if (t === null) return;
        emit({ transport: "polling" }, t.polling);
        emit({ transport: "websocket" }, t.websocket);
      },
    },
    {
      name: "plexus_outbound_buffer_bytes",
      help: "Bytes waiting to leave, summed over the open connections (session queues and unsent socket buffers).",
      type: "gauge",
      labelNames: [],
      read(emit) {
        const t = current();
        if (t !== null) emit({}, t.bufferedBytes);
      },
    },
    {
      name: "plexus_outbound_buffer_max_bytes",
      help: "Bytes waiting to leave on the connection that has the most (maxOutboundBytes bounds its queue).",
      type: "gauge",
      labelNames: [],
      read(emit) {
        const t = current();
        if (t !== null) emit({}, t.maxBufferedBytes);
      },
    },
    {
      name: "plexus_engine_connections_total",
      help: "Engine.IO connections opened, by transport of their handshake.",
      type: "counter",
      labelNames: ["transport"],
      read(emit) {
        withStats(io, (stats) => {
          emit({ transport: "polling" }, stats.opened.polling);
          emit({ transport: "websocket" }, stats.opened.websocket);
        });
      },
    },
    {
      name: "plexus_engine_disconnections_total",
      help: "Engine.IO connections closed, by close reason.",
      type: "counter",
      labelNames: ["reason"],
      read(emit) {
        withStats(io, (stats) => {
          for (const [reason, n] of stats.closed) emit({ reason }, n);
        });
      },
    },
    {
      name: "plexus_slow_consumer_disconnects_total",
      help: "Connections closed because their outbound buffer passed maxOutboundBytes (the peer reads too slowly).",
      type: "counter",
      labelNames: [],
      read(emit) {
        withStats(io, (stats) => emit({}, stats.closed.get(EngineCloseReasons.SLOW_CONSUMER) ?? 0));
      },
    },
    {
      name: "plexus_handshake_errors_total",
      help: "Engine.IO requests refused (handshakes, polls, upgrades), by error code and message.",
      type: "counter",
      labelNames: ["code", "message"],
      read(emit) {
        withStats(io, (stats) => readRequestErrors(stats, emit));
      },
    },
  ];
  for (const [field, name, help] of COUNTERS) {
    specs.push({
      name,
      help,
      type: "counter",
      labelNames: [],
      read: (emit) => withStats(io, (stats) => emit({}, stats[field])),
    });
  }
  return specs;
}

function readRequestErrors(stats: EngineStats, emit: EmitSeries): void {
  for (const [code, message] of Object.entries(ENGINE_ERROR_MESSAGES)) {
    emit({ code, message }, stats.requestErrors[Number(code)] ?? 0);
  }
}
