/**
 * Socket.IO's express-session example, ported by changing only the import: real express 4 and
 * express-session (1.17, whose on-headers 1.0.2 patches `writeHead`, and 1.19), `io.engine.use(session)`,
 * the official client over polling and over WebSocket. The session counter is shared between HTTP routes
 * and socket events: `socket.request.session.reload()` must see what HTTP wrote, and saving must not
 * overwrite it with a stale copy (issue 15).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "@plexus/server";
import express from "express";
import session19 from "express-session";
import { type Socket as ClientSocket, io as ioc } from "socket.io-client";
import WebSocket from "ws";
import { httpRequest } from "./helpers.js";

const require = createRequire(import.meta.url);
const session17 = require("express-session-117") as typeof session19;

declare module "express-session" {
  interface SessionData {
    count?: number;
  }
}

async function startApp(makeSession: typeof session19) {
  const app = express();
  const http = createServer(app);
  // `resave: false` (the example has `true`): with `true`, every polling request that passes through the
  // middleware writes back the copy it loaded when it ends, racing the socket's own saves, with socket.io too.
  const sessionMiddleware = makeSession({ secret: "changeit", resave: false, saveUninitialized: true });
  app.use(sessionMiddleware);
  app.post("/incr", (req, res) => {
    req.session.count = (req.session.count ?? 0) + 1;
    res.status(200).end(String(req.session.count));
  });
  const io = new Server(http);
  io.engine.use(sessionMiddleware);
  io.on("connection", (socket) => {
    const req = socket.request as unknown as Express.Request;
    // As the example: every event first reloads the session from the store.
    socket.use((_packet, next) => {
      req.session.reload((err) => (err ? socket.disconnect() : next()));
    });
    socket.on("regenerate", (cb: (ids: string[]) => void) => {
      const before = req.sessionID;
      req.session.regenerate(() => req.session.save(() => cb([before, req.sessionID, req.session.id])));
    });
    socket.on("incr", (cb: (count: number) => void) => {
      req.session.count = (req.session.count ?? 0) + 1;
      req.session.save();
      cb(req.session.count);
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  return { io, port, url: `http://127.0.0.1:${port}` };
}

/** `POST /incr` over plain HTTP: the count, and the session cookie when one is set. */
async function httpIncr(
  port: number,
  cookie?: string,
): Promise<{ count: number; cookie: string | undefined }> {
  const res = await httpRequest(port, "/incr", "POST", "", cookie === undefined ? {} : { cookie });
  assert.equal(res.status, 200);
  const setCookie = res.headers["set-cookie"];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return { count: Number(res.body), cookie: first?.split(";")[0] };
}

for (const [version, makeSession] of [
  ["1.17", session17],
  ["1.19", session19],
] as const) {
  for (const transport of ["polling", "websocket"] as const) {
    test(`express-session ${version} over ${transport}: one counter for HTTP and socket events`, async () => {
      const { io, port, url } = await startApp(makeSession);
      let client: ClientSocket | undefined;
      try {
        const first = await httpIncr(port);
        assert.equal(first.count, 1);
        assert.ok(first.cookie?.startsWith("connect.sid="), "the HTTP route opened a session");
        client = ioc(url, {
          forceNew: true,
          reconnection: false,
          transports: [transport],
          extraHeaders: { cookie: first.cookie! },
        });
        assert.equal(await client.timeout(10_000).emitWithAck("incr"), 2);
        assert.equal((await httpIncr(port, first.cookie)).count, 3, "the socket saved into the store");
        assert.equal(await client.timeout(10_000).emitWithAck("incr"), 4, "reload saw the HTTP write");
        assert.equal((await httpIncr(port, first.cookie)).count, 5);
      } finally {
        client?.disconnect();
        await io.close();
      }
    });
  }

  test(`express-session ${version}: regenerate() replaces socket.request.session and sessionID`, async () => {
    const { io, port, url } = await startApp(makeSession);
    const { cookie } = await httpIncr(port);
    const client = ioc(url, { forceNew: true, reconnection: false, extraHeaders: { cookie: cookie! } });
    try {
      const [before, after, sessionId] = (await client.timeout(10_000).emitWithAck("regenerate")) as string[];
      assert.notEqual(after, before);
      assert.equal(sessionId, after, "socket.request.session is the regenerated session");
      assert.equal(await client.timeout(10_000).emitWithAck("incr"), 1, "a new, empty session");
    } finally {
      client.disconnect();
      await io.close();
    }
  });

  test(`express-session ${version}: the WebSocket handshake's 101 sets the session cookie`, async () => {
    const { io, url } = await startApp(makeSession);
    const ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    try {
      const [res] = (await once(ws, "upgrade")) as [{ headers: Record<string, string | string[]> }];
      const setCookie = res.headers["set-cookie"];
      const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
      assert.match(first ?? "", /^connect\.sid=/);
    } finally {
      ws.terminate();
      await io.close();
    }
  });
}
