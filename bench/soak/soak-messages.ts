/**
 * What the soak orchestrator (`bench/soak/soak.ts`) exchanges over IPC with the soak server and the churn
 * generators it starts. Everything here is JSON-serialisable.
 */

/** One line of a session's server-side trace: milliseconds since the trace began, and what happened. */
export type TraceLine = string;

/** What a soak server knows about one engine session (most recent lines last). */
export interface SessionTrace {
  readonly sid: string;
  /** Wall-clock time of the handshake (ms). */
  readonly openedAt: number;
  /** Transport now, `polling` or `websocket`. */
  readonly transport: string;
  /** Close reason, once closed. */
  readonly closed?: string;
  readonly lines: readonly TraceLine[];
}

/** What the server was doing when a client step got stuck, as far as the server can tell. */
export interface ServerView {
  /** The session's trace, or null when the server never saw (or already forgot) that session. */
  readonly session: SessionTrace | null;
  /** Milliseconds since the server last completed a handshake (any session). */
  readonly sinceLastHandshakeMs: number;
  /** Worst event-loop delay of the server over the last few seconds, ms. */
  readonly loopDelayMaxMs: number;
  /** Engine sessions open now. */
  readonly sessions: number;
}

export interface SoakServerStats {
  readonly heapUsed: number;
  readonly rss: number;
  readonly sessions: number;
  readonly sockets: number;
  /** Socket.IO connections since start. */
  readonly connections: number;
  /** `disconnect` reasons since start, by reason. */
  readonly disconnectReasons: Record<string, number>;
  /** Engine `connection_error` answers since start, by message. */
  readonly connectionErrors: Record<string, number>;
}

export type SoakServerCommands = {
  stats: { params: { readonly gc: boolean; readonly dropTraces: boolean }; result: SoakServerStats };
  view: { params: { readonly sid: string | null }; result: ServerView };
};

export interface GeneratorTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly localAddress: string;
  /** Server `pingInterval`, ms: a held poll may last that long before the watchdog counts it. */
  readonly pingInterval: number;
}

export interface ChurnParams {
  readonly target: GeneratorTarget;
  /** Client loops this generator runs. */
  readonly loops: number;
  /** Start of loops spread over this many ms. */
  readonly rampMs: number;
  /** A step waiting longer than this is recorded as stuck. */
  readonly stuckMs: number;
  /** Rooms the loops join (one each, at random). */
  readonly rooms: number;
}

/**
 * A step of a client loop that waited longer than the watchdog allows, or (`drop`) a session the server
 * ended while its client was alive and waiting (closed, disconnected, "Session ID unknown").
 */
export interface StuckStep {
  readonly drop?: boolean;
  readonly loop: number;
  /** What the loop was waiting for, e.g. `connect (40 answer)`, `ack join`. */
  readonly step: string;
  /** The request or frame it was waiting on, e.g. `GET ?EIO=4&transport=polling&sid=…`. */
  readonly request: string;
  readonly transport: string;
  readonly sid: string | null;
  /** Wall-clock time the step began (ms). */
  readonly startedAt: number;
  /** How long it had waited when the watchdog saw it, ms. */
  readonly waitedMs: number;
  /** What the loop's session had seen last (client side). */
  readonly clientLast: string;
  /**
   * How late the generator's own 1-second watchdog timer ran when it saw the step, ms: seconds here mean
   * the client process was starved of CPU (the wait is then on the client's side, not the server's).
   */
  readonly clientTimerLateMs?: number;
  /** Set once the step ended: how long it took in total, and how (`answered`, or the error). */
  resolvedAfterMs?: number;
  outcome?: string;
  /** Filled in by the orchestrator: what the server last did for that session. */
  server?: ServerView;
}

export interface ChurnReport {
  /** Socket.IO connections completed (CONNECT answered). */
  readonly connected: number;
  /** Sessions the loops ended on purpose, by way (`clean`, `abandon`, `server-kick`). */
  readonly ended: Record<string, number>;
  /** Loop iterations that failed, by kind of error. */
  readonly errors: Record<string, number>;
  readonly acks: number;
  readonly broadcasts: number;
  readonly upgrades: number;
  /**
   * Upgrades whose probe failed before `3probe` arrived, by kind; the session stayed on polling, as
   * engine.io-client's does (after `3probe` it has paused polling: a failure there is a client error).
   */
  readonly probeFailures: Record<string, number>;
  readonly stuck: StuckStep[];
}

export type SoakGeneratorCommands = {
  start: { params: ChurnParams; result: { readonly loops: number } };
  /** Stuck steps found since the last call (new records only). */
  "take-stuck": { params: Record<string, never>; result: StuckStep[] };
  /** Stops every loop (ends sessions cleanly), then reports. */
  stop: { params: { readonly graceMs: number }; result: ChurnReport };
};
