/**
 * The Plexus demo (`npm start`): a chat on http://localhost:3000 (`PORT` to change) with names, rooms and
 * their live member list (presence), typing indicators, direct messages, files shared as binary with
 * progress, delivery acks, connection state recovery, and a panel of the server's own figures from its
 * Prometheus metrics (served on /metrics). One process and the in-memory adapter by default; with
 * `REDIS_URL` it is one node of a cluster (`npm run start:cluster`, cluster.ts).
 * Written against the Socket.IO server API: only the import differs from a socket.io app.
 * Part of the demo (examples/demo), not of the library.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { enableMetrics } from "@plexus/metrics";
import { Server } from "@plexus/server";
import { startChat } from "./chat.js";
import { type ClusterNode, joinCluster } from "./cluster-node.js";
import type { DemoServer } from "./events.js";
import { startFigures } from "./figures.js";
import { staticFiles } from "./static-files.js";

// The bundle is built by `npm run build`; build it here when the demo runs from a fresh checkout.
const bundle = new URL("../../packages/client/dist/socket.io.js", import.meta.url);
const bundler = new URL("../../packages/client/scripts/bundle.mjs", import.meta.url);
if (!existsSync(bundle) && existsSync(bundler))
  execFileSync(process.execPath, [bundler.pathname], { stdio: "inherit" });

// The node's name on the page and in its metrics (`NODE_ID`, set by cluster.ts).
const node = process.env.NODE_ID ?? "demo";
const cluster: ClusterNode | null =
  process.env.REDIS_URL === undefined ? null : await joinCluster(process.env.REDIS_URL, node);

const http = createServer(staticFiles(new URL("./public", import.meta.url).pathname));
const io: DemoServer = new Server(http, {
  // Missed messages come back after a short network loss (the page's banner says so).
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
  ...(cluster === null ? {} : { adapter: cluster.adapter }),
});
// Prometheus metrics on GET /metrics, in front of the static files.
const metrics = enableMetrics(io, { node }).mount();
const stopFigures = startFigures(io, metrics, node);
startChat(io, node);

http.listen(Number(process.env.PORT ?? 3000), () => {
  const { port } = http.address() as AddressInfo;
  if (cluster === null) console.log(`Plexus demo on http://localhost:${port} (metrics on /metrics)`);
  else console.log(`Plexus demo node ${node} listening on port ${port}`);
  process.send?.({ port });
});

const shutdown = async (): Promise<void> => {
  stopFigures();
  await io.close(); // a cluster node leaves the cluster at once
  await cluster?.close();
  process.exit(0);
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
// A cluster node started by cluster.ts stops with its launcher.
process.once("disconnect", shutdown);
