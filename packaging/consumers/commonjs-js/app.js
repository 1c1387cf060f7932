// A CommonJS application written for socket.io (its chat example's style), with only the module names
// changed: callable modules, named exports on them, `./package.json`, the client bundle route.
"use strict";
const assert = require("node:assert/strict");
const { createServer } = require("node:http");

const httpServer = createServer();
const io = require("@plexus/server")(httpServer, { pingInterval: 10_000 });
const { Server, Namespace, Socket } = require("@plexus/server");
assert.ok(io instanceof Server, "require('@plexus/server')(srv) returns a Server");
assert.equal(typeof Namespace, "function");
assert.equal(typeof Socket, "function");
const ioClient = require("@plexus/client");
assert.equal(typeof ioClient, "function", "require('@plexus/client') is callable");
assert.equal(ioClient.io, ioClient);
assert.equal(typeof ioClient.Manager, "function");
assert.equal(require("@plexus/client/package.json").name, "@plexus/client");
assert.equal(require("@plexus/server/package.json").name, "@plexus/server");
assert.equal(typeof require("@plexus/protocol").encodeSocketPacket, "function");
assert.equal(typeof require("@plexus/engine").Server, "function");
assert.equal(typeof require("@plexus/adapter").InMemoryAdapter, "function");
assert.equal(typeof require("@plexus/cluster-adapter").createAdapter, "function");
const { createAdapter, createShardedAdapter, RedisAdapter } = require("@plexus/redis-adapter");
assert.equal(typeof createAdapter, "function");
assert.equal(typeof createShardedAdapter, "function");
assert.equal(typeof RedisAdapter, "function");
assert.equal(require("@plexus/redis-adapter/package.json").name, "@plexus/redis-adapter");
const { enableMetrics } = require("@plexus/metrics");
assert.equal(require("@plexus/metrics/package.json").name, "@plexus/metrics");
// The application's prom-client (a peer dependency) serves the metrics.
enableMetrics(io, { node: "consumer" }).mount();

io.on("connection", (socket) => {
  socket.on("double", (n, ack) => ack(n * 2));
});

httpServer.listen(0, "127.0.0.1", async () => {
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const bundle = await fetch(`${url}/socket.io/socket.io.min.js`);
  assert.equal(bundle.status, 200, "the client bundle is served");
  const socket = ioClient(url);
  assert.equal(await socket.emitWithAck("double", 21), 42);
  const scrape = await fetch(`${url}/metrics`);
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /^plexus_connected_sockets\{[^}]*node="consumer"[^}]*\} 1$/m);
  socket.close();
  io.close();
  console.log("ok");
});
