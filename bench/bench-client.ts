/**
 * What the load generator holds per simulated client, whatever its transport: counters for broadcasts,
 * the send times of events awaiting an ack, and the callbacks into the generator (one shared object,
 * not closures per client).
 */
import type { ServerLevel } from "./control-messages.js";

export interface ClientEvents {
  /** A broadcast event (`42[…]`) arrived; `client.received` was already incremented. */
  broadcast(client: BenchClient): void;
  /** The ack with `id` arrived (`43<id>[…]`). */
  ack(client: BenchClient, id: number): void;
  /** The connection ended after it was established. */
  closed(client: BenchClient): void;
}

export interface ClientTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly level: ServerLevel;
  readonly localAddress: string;
}

export abstract class BenchClient {
  /** Broadcast events received since the generator last reset the counter. */
  received = 0;
  /** Next ack id for `echo`. */
  nextAckId = 0;
  /** Ack id -> wall-clock send time (ms). Created on first use: idle clients do not pay for it. */
  sentAt: Map<number, number> | undefined;
  protected readonly target: ClientTarget;
  protected readonly events: ClientEvents;

  constructor(target: ClientTarget, events: ClientEvents) {
    this.target = target;
    this.events = events;
  }

  /** Resolves once connected at the target's level (engine open, or Socket.IO CONNECT acknowledged). */
  abstract open(timeoutMs: number): Promise<void>;
  /** Sends one Socket.IO packet (engine message data). */
  abstract sendMessage(data: string): void;
  abstract close(): void;
}
