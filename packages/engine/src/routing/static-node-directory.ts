/**
 * A node directory held in memory: a fixed map given as an option (several machines with known internal
 * addresses), kept up to date by hand (`set`/`delete`), or shared by several engines of one process (each
 * router's `advertise` writes into the same map). Layer: engine.
 */
import type { NodeDirectory } from "./node-directory.js";

/**
 * @example
 * const directory = new StaticNodeDirectory({ a: "10.0.0.1:4001", b: "10.0.0.2:4001" });
 * const router = new DirectSessionRouter({ directory, secret: process.env.ROUTE_SECRET });
 */
export class StaticNodeDirectory implements NodeDirectory {
  private readonly addresses = new Map<string, string>();

  constructor(entries?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>) {
    if (entries === undefined) return;
    const list = Symbol.iterator in entries ? entries : Object.entries(entries);
    for (const [node, address] of list as Iterable<readonly [string, string]>)
      this.addresses.set(node, address);
  }

  advertise(nodeId: string, address: string): void {
    this.addresses.set(nodeId, address);
  }

  withdraw(nodeId: string): void {
    this.addresses.delete(nodeId);
  }

  addressOf(nodeId: string): string | undefined {
    return this.addresses.get(nodeId);
  }

  /** Sets (or replaces) a node's address. */
  set(nodeId: string, address: string): this {
    this.addresses.set(nodeId, address);
    return this;
  }

  /** Forgets a node: requests for its sessions are answered "Session ID unknown". */
  delete(nodeId: string): boolean {
    return this.addresses.delete(nodeId);
  }
}
