/**
 * A Node process using the client exits by itself once its sockets are disconnected: no timer, request or
 * WebSocket is left holding the event loop (as with the official client).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { serverFactories, startServer } from "./servers.js";

const fixture = new URL("./fixtures/exit-after-disconnect.ts", import.meta.url).pathname;
const unrefFixture = new URL("./fixtures/exit-while-connected.ts", import.meta.url).pathname;
const factory = serverFactories[0]!;

describe("node process lifetime", () => {
  for (const transport of ["polling", "websocket", "both"]) {
    it(`exits after disconnect (${transport})`, { timeout: 15_000 }, async (t) => {
      const s = await startServer(factory, (srv) =>
        srv.on("connection", (socket) =>
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
        ),
      );
      t.after(() => s.close());
      const child = spawn(
        process.execPath,
        ["--conditions=source", "--import", "tsx", fixture, s.url, transport],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
      });
      const [code] = await once(child, "exit");
      assert.equal(code, 0);
      assert.equal(out, "bye");
    });
  }

  for (const transport of ["polling", "websocket", "both"]) {
    it(`exits while still connected with autoUnref (${transport})`, { timeout: 15_000 }, async (t) => {
      const s = await startServer(factory, (srv) =>
        srv.on("connection", (socket) =>
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
        ),
      );
      t.after(() => s.close());
      const child = spawn(
        process.execPath,
        ["--conditions=source", "--import", "tsx", unrefFixture, s.url, transport],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
      });
      const [code] = await once(child, "exit");
      assert.equal(code, 0);
      assert.equal(out, `bye ${transport === "polling" ? "polling" : "websocket"} true`);
    });
  }
});
