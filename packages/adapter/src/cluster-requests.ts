/**
 * Requests waiting for other nodes' answers (`fetchSockets`, `serverSideEmitWithAck`, `allSockets`,
 * `allRooms`, join acknowledgements). A request waits only for the live members it was sent to (plus a
 * count of anonymous socket.io nodes), finishes as soon as the last of them answered or died, and on
 * timeout fails with a `ClusterError` naming the nodes that did not answer. After a second (or a quarter of
 * the timeout, if shorter), the broker is asked whether the silent nodes still exist, so a node killed without a goodbye does not
 * hold requests for the whole timeout.
 */
import { randomBytes } from "node:crypto";
import { ClusterError, ClusterErrorCodes } from "./cluster-error.js";
import type { ClusterMembership } from "./cluster-membership.js";
import type { NodeId, ResponseMessage } from "./cluster-message.js";

/** What a request waits for and how it folds the answers. */
export interface RequestSpec<T> {
  /** Members that must answer. */
  readonly nodes: readonly NodeId[];
  /** Anonymous (socket.io) nodes that must answer. */
  readonly foreign: number;
  /** Folds one answer in (also answers from nodes not waited for: they only add information). */
  readonly onAnswer: (response: ResponseMessage) => void;
  /** What the request resolves with (also `partial` on failure). */
  readonly result: () => T;
}

interface Pending {
  readonly waiting: Set<NodeId>;
  foreign: number;
  readonly onAnswer: (response: ResponseMessage) => void;
  readonly settle: (error: ClusterError | undefined) => void;
  readonly timer: NodeJS.Timeout;
  probeTimer: NodeJS.Timeout | undefined;
}

/** A request still waiting after this long asks the broker whether the silent nodes still exist. */
const PROBE_AFTER_MS = 1000;

export interface ClusterRequestsOptions {
  readonly timeoutMs: number;
  readonly maxPending: number;
  /** Asks the broker which of `nodes` still exist (the others are dropped from the membership). */
  readonly probe: ((nodes: readonly NodeId[]) => Promise<ReadonlySet<NodeId>>) | undefined;
  readonly onTimeout: () => void;
}

export class ClusterRequests {
  private readonly pending = new Map<string, Pending>();
  private readonly membership: ClusterMembership;
  private readonly opts: ClusterRequestsOptions;

  constructor(membership: ClusterMembership, opts: ClusterRequestsOptions) {
    this.membership = membership;
    this.opts = opts;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers a request, then calls `send` with its id. Resolves with `spec.result()` once every awaited
   * node answered (at once when there is none), rejects with a `ClusterError` otherwise.
   */
  start<T>(spec: RequestSpec<T>, send: (requestId: string) => void): Promise<T> {
    if (spec.nodes.length === 0 && spec.foreign <= 0) {
      send(newRequestId());
      return Promise.resolve(spec.result());
    }
    if (this.pending.size >= this.opts.maxPending) {
      const missing = [...spec.nodes, ...foreignNames(spec.foreign)];
      return Promise.reject(
        new ClusterError(
          ClusterErrorCodes.OVERLOADED,
          `too many cluster requests waiting (${this.pending.size})`,
          missing,
          spec.result(),
        ),
      );
    }
    const requestId = newRequestId();
    return new Promise<T>((resolve, reject) => {
      const settle = (error: ClusterError | undefined): void => {
        const entry = this.pending.get(requestId);
        if (entry === undefined) return;
        this.pending.delete(requestId);
        clearTimeout(entry.timer);
        clearTimeout(entry.probeTimer);
        if (error === undefined) resolve(spec.result());
        else reject(error);
      };
      const timeoutMs = this.opts.timeoutMs;
      const entry: Pending = {
        waiting: new Set(spec.nodes),
        foreign: spec.foreign,
        onAnswer: spec.onAnswer,
        settle,
        timer: setTimeout(() => this.expire(requestId, spec), timeoutMs),
        probeTimer: undefined,
      };
      if (this.opts.probe !== undefined && entry.waiting.size > 0) {
        entry.probeTimer = setTimeout(() => this.probe(requestId), Math.min(PROBE_AFTER_MS, timeoutMs / 4));
      }
      this.pending.set(requestId, entry);
      send(requestId);
    });
  }

  /** An answer arrived; returns false when no request waits for it. */
  answer(response: ResponseMessage): boolean {
    const entry = this.pending.get(response.requestId);
    if (entry === undefined) return false;
    entry.onAnswer(response);
    const uid = response.uid;
    if (uid !== undefined && entry.waiting.delete(uid)) {
      // counted
    } else if (uid === undefined && entry.foreign > 0) entry.foreign--;
    this.check(response.requestId, entry);
    return true;
  }

  /** A member died or left: nobody waits for it any more. */
  nodeDown(node: NodeId): void {
    for (const [id, entry] of this.pending) if (entry.waiting.delete(node)) this.check(id, entry);
  }

  /** Fails every waiting request (the adapter closes). */
  closeAll(): void {
    for (const entry of [...this.pending.values()]) {
      entry.settle(
        new ClusterError(
          ClusterErrorCodes.CLOSED,
          "the cluster adapter was closed",
          [...entry.waiting, ...foreignNames(entry.foreign)],
          undefined,
        ),
      );
    }
  }

  private check(requestId: string, entry: Pending): void {
    if (entry.waiting.size === 0 && entry.foreign <= 0) this.pending.get(requestId)?.settle(undefined);
  }

  private expire<T>(requestId: string, spec: RequestSpec<T>): void {
    const entry = this.pending.get(requestId);
    if (entry === undefined) return;
    this.opts.onTimeout();
    const missing = [...entry.waiting, ...foreignNames(entry.foreign)];
    entry.settle(
      new ClusterError(
        ClusterErrorCodes.TIMEOUT,
        `timeout reached: ${missing.length} node(s) did not answer (${missing.join(", ")})`,
        missing,
        spec.result(),
      ),
    );
  }

  private probe(requestId: string): void {
    const entry = this.pending.get(requestId);
    const probe = this.opts.probe;
    if (entry === undefined || probe === undefined || entry.waiting.size === 0) return;
    const asked = [...entry.waiting];
    probe(asked).then(
      (alive) => {
        for (const node of asked) if (!alive.has(node)) this.membership.remove(node);
      },
      () => {},
    );
  }
}

function foreignNames(count: number): string[] {
  return count > 0 ? [`socket.io:${count}`] : [];
}

function newRequestId(): string {
  return randomBytes(9).toString("base64url");
}
