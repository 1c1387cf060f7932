/**
 * What every bench server process does the same way (`target-server.ts`, `soak/soak-server.ts`): listen on
 * loopback with a deep accept queue, collect garbage before a memory reading, and either answer the
 * orchestrator over IPC or, started by hand, print where it listens and exit on a signal.
 */
import type { Server as HttpServer } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type CommandHandlers, hasParent, serveCommands } from "./child-endpoint.js";
import type { CommandMap } from "./control-messages.js";

/**
 * Listens and resolves with the port. A deep accept queue (the kernel caps it at net.core.somaxconn): with
 * the default 511, bursts of new connections while the server is busy overflow it, and each dropped SYN
 * costs the client a 1 s retransmit.
 */
export async function listenDeep(http: HttpServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve) => http.listen({ port, host, backlog: 4096 }, resolve));
  const address = http.address();
  return typeof address === "object" && address !== null ? address.port : 0;
}

/** Two full collections a turn apart: the first may leave weak callbacks and finalizers for the second. */
export async function collectGarbage(): Promise<void> {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error("gc requested but the server was not started with --expose-gc");
  collect();
  await nextTurn();
  collect();
}

/**
 * Serves `handlers` to the orchestrator when started by one; otherwise prints `detail listening on url`
 * and runs `exit` on SIGINT/SIGTERM. `exit` should end with `process.exit` (so `--cpu-prof` writes).
 */
export function serveOrListen<M extends CommandMap>(
  handlers: CommandHandlers<M>,
  ready: { readonly port: number; readonly detail: string; readonly url: string },
  exit: () => void,
): void {
  if (hasParent()) {
    serveCommands<M>(handlers, { type: "ready", port: ready.port, detail: ready.detail }, exit);
    return;
  }
  console.log(`${ready.detail} listening on ${ready.url}`);
  process.on("SIGINT", exit);
  process.on("SIGTERM", exit);
}
