// The same application as an ES module: named imports, and the client's default export.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { InMemoryAdapter } from "@plexus/adapter";
import connect, { io as lookup } from "@plexus/client";
import { createAdapter as createClusterAdapter, setupPrimary } from "@plexus/cluster-adapter";
import { Server as EngineServer } from "@plexus/engine";
import { enableMetrics } from "@plexus/metrics";
import { encodeSocketPacket } from "@plexus/protocol";
import { createAdapter, createShardedAdapter } from "@plexus/redis-adapter";
import { Server } from "@plexus/server";

assert.equal(connect, lookup);
assert.equal(typeof InMemoryAdapter, "function");
assert.equal(typeof createClusterAdapter, "function");
assert.equal(typeof setupPrimary, "function");
assert.equal(typeof EngineServer, "function");
assert.equal(typeof encodeSocketPacket, "function");
assert.equal(typeof createAdapter, "function");
assert.equal(typeof createShardedAdapter, "function");

const httpServer = createServer();
const io = new Server(httpServer);
enableMetrics(io, { node: "consumer" }).mount();
io.on("connection", (socket) => {
  socket.on("double", (n, ack) => ack(n * 2));
});
httpServer.listen(0, "127.0.0.1", async () => {
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const bundle = await fetch(`${url}/socket.io/socket.io.min.js`);
  assert.equal(bundle.status, 200, "the client bundle is served");
  const socket = connect(url);
  assert.equal(await socket.emitWithAck("double", 21), 42);
  const scrape = await fetch(`${url}/metrics`);
  assert.match(await scrape.text(), /^plexus_connected_sockets\{[^}]*node="consumer"[^}]*\} 1$/m);
  socket.close();
  io.close();
  console.log("ok");
});
