/**
 * The Socket.IO-level metrics, per namespace label: sockets connected now (by transport), rooms,
 * connections, disconnections by reason, refused connections, recovery hits and misses, and what the
 * adapters report (cross-node messages, request timeouts, broker errors, recovery store sizes).
 * Gauges are counted from the live namespaces; counters are copied from `io.stats` (server-stats.ts).
 * Layer: metrics (on top of server).
 */
import type { AdapterStats, NamespaceCounters, ServerStats } from "@plexus/server";
import { addTo, type EmitSeries, type MetricSpec } from "./metric-spec.js";
import type { MetricsSource, SourceNamespace } from "./metrics-source.js";

/** Which counters of the adapters' stats become which metric. */
const ADAPTER_METRICS: readonly [keyof AdapterStats, MetricSpec["type"], string, string][] = [
  [
    "messagesSent",
    "counter",
    "plexus_adapter_messages_sent_total",
    "Messages the adapter published to other nodes.",
  ],
  [
    "messagesReceived",
    "counter",
    "plexus_adapter_messages_received_total",
    "Messages the adapter received from other nodes.",
  ],
  [
    "requestTimeouts",
    "counter",
    "plexus_adapter_request_timeouts_total",
    "Cluster requests (fetchSockets, serverSideEmit with acks, ...) that stopped waiting for answers.",
  ],
  [
    "brokerErrors",
    "counter",
    "plexus_adapter_errors_total",
    "Errors of the adapter's broker connection (Redis).",
  ],
  [
    "recoverySessions",
    "gauge",
    "plexus_recovery_sessions",
    "Disconnected sessions kept for connection state recovery.",
  ],
  ["recoveryPackets", "gauge", "plexus_recovery_packets", "Packets kept in the recovery log for replay."],
];

/** The Socket.IO-level metric specs of `io`, whose `stats` are on. */
export function socketMetricSpecs(io: MetricsSource, stats: ServerStats): MetricSpec[] {
  const label = (nsp: SourceNamespace): string => stats.namespaceLabel(nsp.name);
  const eachCounters = (fn: (counters: NamespaceCounters, namespace: string) => void): void => {
    for (const [namespace, counters] of stats.namespaces) fn(counters, namespace);
  };
  const specs: MetricSpec[] = [
    {
      name: "plexus_connected_sockets",
      help: "Sockets connected now, by namespace and by transport of their connection.",
      type: "gauge",
      labelNames: ["namespace", "transport"],
      read(emit) {
        const polling = new Map<string, number>();
        const websocket = new Map<string, number>();
        for (const nsp of io._nsps.values()) {
          let ws = 0;
          for (const socket of nsp.sockets.values()) if (socket.conn.transport.name === "websocket") ws++;
          const namespace = label(nsp);
          addTo(websocket, namespace, ws);
          addTo(polling, namespace, nsp.sockets.size - ws);
        }
        for (const [namespace, n] of polling) {
          emit({ namespace, transport: "polling" }, n);
          emit({ namespace, transport: "websocket" }, websocket.get(namespace) ?? 0);
        }
      },
    },
    {
      name: "plexus_rooms",
      help: "Rooms with members on this node, by namespace (the sockets' own rooms excluded).",
      type: "gauge",
      labelNames: ["namespace"],
      read(emit) {
        const rooms = new Map<string, number>();
        for (const nsp of io._nsps.values()) {
          let n = 0;
          for (const room of nsp.adapter.rooms.keys()) if (!nsp.sockets.has(room)) n++;
          addTo(rooms, label(nsp), n);
        }
        for (const [namespace, n] of rooms) emit({ namespace }, n);
      },
    },
    {
      name: "plexus_connections_total",
      help: "Sockets that joined a namespace (recovered ones included).",
      type: "counter",
      labelNames: ["namespace"],
      read(emit) {
        eachCounters((c, namespace) => emit({ namespace }, c.connections));
      },
    },
    {
      name: "plexus_disconnections_total",
      help: "Sockets that left a namespace, by disconnect reason.",
      type: "counter",
      labelNames: ["namespace", "reason"],
      read(emit) {
        eachCounters((c, namespace) => {
          for (const [reason, n] of c.disconnections) emit({ namespace, reason }, n);
        });
      },
    },
    {
      name: "plexus_connect_errors_total",
      help: 'Namespace CONNECTs refused: by a middleware, or to an unknown namespace (namespace="").',
      type: "counter",
      labelNames: ["namespace", "reason"],
      read(emit) {
        eachCounters((c, namespace) => emit({ namespace, reason: "middleware" }, c.refused));
        emit({ namespace: "", reason: "invalid namespace" }, stats.invalidNamespaces);
      },
    },
    {
      name: "plexus_recovery_attempts_total",
      help: "Connection state recovery attempts, by result (hit: the session came back; miss: a fresh socket).",
      type: "counter",
      labelNames: ["namespace", "result"],
      read(emit) {
        eachCounters((c, namespace) => {
          emit({ namespace, result: "hit" }, c.recoveryHits);
          emit({ namespace, result: "miss" }, c.recoveryMisses);
        });
      },
    },
  ];
  for (const [field, type, name, help] of ADAPTER_METRICS) {
    specs.push({
      name,
      help,
      type,
      labelNames: ["namespace"],
      read: (emit) => readAdapters(io, label, field, emit),
    });
  }
  return specs;
}

/** Sums one field of the adapters' stats per namespace label; adapters without it emit nothing. */
function readAdapters(
  io: MetricsSource,
  label: (nsp: SourceNamespace) => string,
  field: keyof AdapterStats,
  emit: EmitSeries,
): void {
  const sums = new Map<string, number>();
  for (const nsp of io._nsps.values()) {
    const value = nsp.adapter.stats?.()[field];
    if (value !== undefined) addTo(sums, label(nsp), value);
  }
  for (const [namespace, n] of sums) emit({ namespace }, n);
}
