/**
 * Several engines of one process joined by a session router, for the routing tests: each on its own
 * HTTP server on 127.0.0.1 port 0, with a node id of its own ("a", "b", "c"), echoing messages.
 */
import type { SessionRouter, Socket } from "@plexus/engine";
import { startEngine, type TestEngine } from "./engine-helpers.js";

export interface RoutedEngine extends TestEngine {
  readonly nodeId: string;
  readonly router: SessionRouter;
}

/** Starts `ids.length` engines, the router of each made by `makeRouter`; messages are echoed. */
export async function startRoutedEngines<R extends SessionRouter>(
  ids: readonly string[],
  makeRouter: (nodeId: string) => R | Promise<R>,
  after?: (node: RoutedEngine & { router: R }) => Promise<void>,
): Promise<(RoutedEngine & { router: R })[]> {
  const nodes: (RoutedEngine & { router: R })[] = [];
  for (const nodeId of ids) {
    const router = await makeRouter(nodeId);
    const t = await startEngine({ nodeId, sessionRouter: router, pingInterval: 300, pingTimeout: 5000 });
    t.engine.on("connection", (socket: Socket) => socket.on("message", (data) => socket.send(data)));
    const node = Object.assign(t, { nodeId, router });
    if (after !== undefined) await after(node);
    nodes.push(node);
  }
  return nodes;
}
