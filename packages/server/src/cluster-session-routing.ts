/**
 * No sticky sessions without configuration (README "No sticky sessions"): when the main namespace's adapter
 * is a cluster adapter (`@plexus/redis-adapter`, `@plexus/cluster-adapter`, anything on `ClusterAdapter`),
 * the server installs a session router on its engine over what the adapter offers — a `ChannelSessionRouter`
 * over the adapter's broker, or, with the adapter's `sessionRouting: { host, port, ... }` option, a
 * `DirectSessionRouter` whose node directory is the adapter's heartbeat membership.
 *
 * Node ids: the engine adopts the adapter's (socket ids already start with it, and every namespace's adapter
 * of one node shares it), so a session id and a socket id name the same node. An explicit engine `nodeId`
 * option that differs is refused (`ERR_ROUTING_NODE_ID_MISMATCH`).
 * Layer: server.
 */
import type { ClusterSessionRouting } from "@plexus/adapter";
import {
  ChannelSessionRouter,
  DirectSessionRouter,
  type Server as Engine,
  type RoutingEngine,
  type SessionRouter,
} from "@plexus/engine";

/** What the server reads of a main-namespace adapter that may offer session routing. */
interface MaybeRoutingAdapter {
  sessionRouting?: () => ClusterSessionRouting | null;
}

/** The counters both shipped routers keep. */
interface RouterCounters {
  readonly forwarded: number;
  readonly failed: number;
}

/** Routers installed by the server, by engine: the routing they were built over. */
const installed = new WeakMap<Engine, ClusterSessionRouting>();

/**
 * Installs a session router on `engine` over `adapter`'s routing, when the adapter offers one and the engine
 * has no router yet (a `sessionRouter` option wins). Returns the router installed, else `null`.
 */
export function installClusterRouting(engine: Engine, adapter: unknown): SessionRouter | null {
  if ((engine as Partial<Engine>)._router === undefined) return null; // an engine without routing support
  const source = adapter as MaybeRoutingAdapter | null;
  if (typeof source?.sessionRouting !== "function") return null;
  const routing = source.sessionRouting();
  if (routing === null) return null;
  if (engine._router !== null) {
    const previous = installed.get(engine);
    if (previous !== undefined && previous !== routing) {
      process.emitWarning(
        "io.adapter() replaced a cluster adapter: session routing keeps using the first one's node id and broker",
        { code: "PLEXUS_ROUTING" },
      );
    }
    return null;
  }
  let router: SessionRouter;
  if (routing.direct === null) {
    router = new ChannelSessionRouter(routing.channel);
  } else {
    const { secret, host, port, advertise } = routing.direct;
    const direct = new DirectSessionRouter({
      directory: routing.directory,
      ...(secret === undefined ? {} : { secret }),
    });
    direct
      .listen({
        ...(host === undefined ? {} : { host }),
        ...(port === undefined ? {} : { port }),
        ...(advertise === undefined ? {} : { advertise }),
      })
      .catch((err: Error) =>
        process.emitWarning(`session routing: the internal listener failed: ${err.message}`, {
          code: "PLEXUS_ROUTING",
        }),
      );
    router = named(direct, routing.nodeId);
  }
  engine.setSessionRouter(router);
  installed.set(engine, routing);
  return router;
}

/**
 * `router` naming `nodeId`: the engine adopts the adapter's node id (the direct router names none). Its
 * counters (`forwarded`, `failed`) read through.
 */
function named(router: DirectSessionRouter, nodeId: string): SessionRouter & RouterCounters {
  return {
    nodeId,
    get forwarded() {
      return router.forwarded;
    },
    get failed() {
      return router.failed;
    },
    attach: (engine: RoutingEngine) => router.attach(engine),
    forwardRequest: (node, req, res, unknown) => router.forwardRequest(node, req, res, unknown),
    forwardUpgrade: (node, req, socket, head, unknown) =>
      router.forwardUpgrade(node, req, socket, head, unknown),
    close: () => router.close(),
  };
}
