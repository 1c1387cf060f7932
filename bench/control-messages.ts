/**
 * The messages the orchestrator (`run.ts`) exchanges over IPC with the processes it starts: target servers
 * (`target-server.ts`) and load generators (`load-generator.ts`). Everything here is JSON-serialisable.
 */

/** Which implementation a target server runs: the official stack or Plexus (same script, one argument). */
/** `ws` is the reference floor (`bare-ws-server.ts`): Socket.IO level, WebSocket only. */
export type ImplName = "socket.io" | "plexus" | "ws";
export const IMPL_NAMES: readonly ImplName[] = ["socket.io", "plexus", "ws"];

/** `socket`: a Socket.IO server (`socket.io` / `@plexus/server`); `engine`: a bare engine (`engine.io` / `@plexus/engine`). */
export type ServerLevel = "socket" | "engine";

export type TransportName = "websocket" | "polling";

/** A server's own measurements: `process.memoryUsage()` and `process.cpuUsage()` (user + system). */
export interface ServerStats {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Cumulative user + system CPU time of the server process, microseconds. */
  readonly cpuMicros: number;
  /** Sessions (engine level) or sockets (socket level) currently connected. */
  readonly clients: number;
  /** Wall-clock time (`performance.timeOrigin + performance.now()`, ms) when the stats were taken. */
  readonly at: number;
}

export interface BroadcastParams {
  /** Total number of `io.emit("b", seq, payload)` calls. */
  readonly emits: number;
  /** Emits issued synchronously per event-loop turn (the next turn starts with `setImmediate`). */
  readonly perTick: number;
  readonly payload: string;
}

export interface BroadcastStart {
  /** Wall-clock time of the first emit (ms). */
  readonly startedAt: number;
  /** Wall-clock time after the last emit call returned (ms). */
  readonly emittedAt: number;
  /**
   * Wall-clock time at the next check phase after the last emit (ms): by then the server has handed every
   * frame of the broadcast to the kernel (Plexus writes at the end of the emitting turn, socket.io inside
   * `emit`), so `writtenAt - startedAt` is the server's own share of the fan-out time.
   */
  readonly writtenAt: number;
  readonly cpuMicros: number;
}

/** Requests a target server answers: name -> parameters and result. */
export type ServerCommands = {
  stats: { params: { readonly gc: boolean }; result: ServerStats };
  "wait-clients": { params: { readonly count: number }; result: ServerStats };
  broadcast: { params: BroadcastParams; result: BroadcastStart };
};

export interface ConnectParams {
  readonly host: string;
  readonly port: number;
  /** Engine path with trailing slash, e.g. `/socket.io/`. */
  readonly path: string;
  readonly transport: TransportName;
  readonly level: ServerLevel;
  /** Clients to add to the ones this generator already holds. */
  readonly count: number;
  /** Loopback source address all of this generator's connections bind to. */
  readonly localAddress: string;
  /** Handshakes in flight at once. */
  readonly concurrency: number;
}

export interface ConnectResult {
  readonly connected: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly firstError?: string;
}

export interface BroadcastReceipt {
  /** Clients that received every expected message. */
  readonly complete: number;
  /** Clients this generator holds. */
  readonly clients: number;
  /** Wall-clock time the first broadcast message arrived (ms), or 0. */
  readonly firstAt: number;
  /** Wall-clock time the last client got its last expected message (ms), or 0 when incomplete. */
  readonly lastAt: number;
}

export interface EchoParams {
  /** Events with ack per second sent by this generator, spread round-robin over its first `clients` clients. */
  readonly rate: number;
  readonly durationMs: number;
  readonly clients: number;
  readonly payload: string;
}

export interface EchoResult {
  readonly sent: number;
  readonly acked: number;
  /** Round-trip times in ms, as measured by the clients (send of `2<id>[...]` to receipt of `3<id>[...]`). */
  readonly latencies: number[];
}

/** Requests a load generator answers. */
export type GeneratorCommands = {
  connect: { params: ConnectParams; result: ConnectResult };
  "arm-broadcast": { params: { readonly expected: number }; result: { readonly clients: number } };
  "wait-broadcast": { params: { readonly timeoutMs: number }; result: BroadcastReceipt };
  echo: { params: EchoParams; result: EchoResult };
};

/** A command map: command name -> `{ params, result }`. */
export type CommandMap = { [name: string]: { params: unknown; result: unknown } };

export interface RequestMessage {
  readonly type: "request";
  readonly id: number;
  readonly cmd: string;
  readonly params: unknown;
}

export type ReplyMessage =
  | { readonly type: "reply"; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: "reply"; readonly id: number; readonly ok: false; readonly error: string };

/** First message of every child: it is listening (servers: on `port`) and answers requests. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly port: number;
  readonly detail: string;
}

/** Asks a child to exit by itself (so `--cpu-prof` profiles get written); it is killed if it does not. */
export interface ExitMessage {
  readonly type: "exit";
}

/** Wall-clock time in ms with sub-millisecond resolution, comparable across processes of one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
