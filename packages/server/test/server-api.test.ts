/**
 * Server construction and options as Socket.IO accepts them: `new Server(port)`, `new Server(opts)` +
 * `listen`, a custom `path`, getters/setters, engine options passed through.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server, type Socket } from "@plexus/server";
import { io as ioc } from "socket.io-client";
import { httpRequest, next, startServer } from "./helpers.js";

test("new Server(opts).listen(http) with a custom path; engine options pass through", async () => {
  const http = createServer();
  const io = new Server({ path: "/custom-io", pingInterval: 12_345 });
  io.listen(http);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  assert.equal(io.path(), "/custom-io");
  const open = await httpRequest(port, "/custom-io/?EIO=4&transport=polling");
  assert.equal(open.status, 200);
  assert.equal(JSON.parse(open.body.slice(1)).pingInterval, 12_345);
  const c = ioc(`http://127.0.0.1:${port}`, { path: "/custom-io", forceNew: true, reconnection: false });
  await next(c, "connect");
  c.disconnect();
  await io.close();
});

test("new Server(port) creates and listens on an HTTP server answering 404 elsewhere", async () => {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const io = new Server(port);
  await once(io.httpServer!, "listening");
  const res = await httpRequest(port, "/elsewhere");
  assert.equal(res.status, 404);
  const c = ioc(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
  await next(c, "connect");
  c.disconnect();
  await io.close();
});

test("configuration getters and setters", async () => {
  await using s = await startServer({ connectTimeout: 1234 });
  assert.equal(s.io.connectTimeout(), 1234);
  assert.equal(s.io.serveClient(), true);
  assert.equal(s.io.serveClient(false), s.io);
  assert.equal(s.io.serveClient(), false);
  assert.equal(typeof s.io.adapter(), "function");
  assert.equal(s.io.sockets, s.io.of("/"));
  assert.equal(s.io.of("admin"), s.io.of("/admin"));
  assert.throws(() => s.io.of(/x/g), { code: "ERR_INVALID_ARGUMENT" });
});

test("io.of(name, fn) registers a connection listener; socket.request and conn are available", async () => {
  await using s = await startServer();
  const got = new Promise<Socket>((resolve) => s.io.of("/with-fn", resolve));
  const c = s.client("/with-fn", { extraHeaders: { "x-test": "yes" } });
  const socket = await got;
  assert.equal(socket.request.headers["x-test"], "yes");
  assert.equal(socket.handshake.headers["x-test"], "yes");
  assert.equal(socket.handshake.address, "127.0.0.1");
  assert.equal(socket.handshake.secure, false);
  assert.equal(socket.handshake.xdomain, false);
  assert.equal(typeof socket.handshake.time, "string");
  assert.equal(socket.conn.readyState, "open");
  c.disconnect();
});
