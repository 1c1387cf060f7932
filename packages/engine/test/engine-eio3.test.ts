/**
 * Legacy Engine.IO 3 clients with `allowEIO3` (PROTOCOL.md §B7): length-prefixed payloads, binary
 * payloads, client-sent pings, WebSocket binary frames with a type byte. Raw requests only.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "@plexus/engine";
import { deferred, raw, startEngine, type TestEngine, WsClient, wsUrl } from "./engine-helpers.js";

async function handshake3(t: TestEngine, extra = ""): Promise<{ sid: string; body: string }> {
  const r = await raw(t.port, t.path(`transport=polling${extra}`, "3"));
  assert.equal(r.status, 200);
  const colon = r.body.indexOf(":");
  const packet = r.body.slice(colon + 1);
  assert.equal(Number(r.body.slice(0, colon)), packet.length);
  assert.equal(packet[0], "0");
  return { sid: JSON.parse(packet.slice(1)).sid as string, body: r.body };
}

describe("EIO3", () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ allowEIO3: true, pingInterval: 300, pingTimeout: 200 });
    t.engine.on("connection", (socket: Socket) => socket.on("message", (d) => socket.send(d)));
  });
  after(() => t.close());

  test("handshake is a length-prefixed open packet; protocol is 3", async () => {
    const conn = deferred<Socket>();
    t.engine.once("connection", conn.resolve);
    const { body } = await handshake3(t);
    assert.match(
      body,
      /^\d+:0\{"sid":"[^"]+","upgrades":\["websocket"\],"pingInterval":300,"pingTimeout":200/,
    );
    assert.equal((await conn.promise).protocol, 3);
  });

  test("text payloads: echo with UTF-16 length prefixes; base64 binary with b64=1", async () => {
    const { sid } = await handshake3(t, "&b64=1");
    const path = t.path(`transport=polling&b64=1&sid=${sid}`, "3");
    const p = await raw(t.port, path, { method: "POST", body: "6:4héllo6:b4AQI=" });
    assert.equal(p.body, "ok");
    const g = await raw(t.port, path);
    assert.equal(g.body, "6:4héllo6:b4AQI=");
  });

  test("binary payloads both ways (octet-stream)", async () => {
    const { sid } = await handshake3(t);
    const path = t.path(`transport=polling&sid=${sid}`, "3");
    // [1, 4, 255] 4 0x0a 0x0b 0x0c : a binary message of 3 bytes; [0, 2, 255] "4x" : a text message.
    const body = Buffer.from([1, 4, 255, 4, 10, 11, 12, 0, 2, 255, 0x34, 0x78]);
    const p = await raw(t.port, path, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/octet-stream" },
    });
    assert.equal(p.body, "ok");
    const g = await raw(t.port, path);
    assert.equal(g.headers["content-type"], "application/octet-stream");
    assert.deepEqual([...g.bytes], [1, 4, 255, 4, 10, 11, 12, 0, 2, 255, 0x34, 0x78]);
  });

  test("the client pings, the server pongs; without pings the session times out", async () => {
    const { sid } = await handshake3(t);
    const path = t.path(`transport=polling&sid=${sid}`, "3");
    assert.equal((await raw(t.port, path, { method: "POST", body: "1:2" })).body, "ok");
    assert.equal((await raw(t.port, path)).body, "1:3");
    const closed = deferred<string>();
    t.engine.clients[sid]!.once("close", (r: string) => closed.resolve(r));
    assert.equal(await closed.promise, "ping timeout");
  });

  test("malformed payload → 400 and parse error", async () => {
    const { sid } = await handshake3(t);
    const path = t.path(`transport=polling&sid=${sid}`, "3");
    const r = await raw(t.port, path, { method: "POST", body: "5:4hi" });
    assert.equal(r.status, 400);
    assert.equal((await raw(t.port, path)).status, 400);
  });

  test("websocket: binary frames carry the message type byte", async () => {
    const c = new WsClient(wsUrl(t, "transport=websocket", "3"));
    assert.equal((await c.nextText())[0], "0");
    c.send(Buffer.from([4, 1, 2, 3]));
    const m = await c.next();
    assert.equal(m.isBinary, true);
    assert.deepEqual([...(m.data as Buffer)], [4, 1, 2, 3]);
    c.send("4text");
    assert.equal(await c.nextText(), "4text");
    c.send("2");
    assert.equal(await c.nextText(), "3");
    c.ws.close();
    await c.closed;
  });

  test("upgrade from v3 polling to websocket", async () => {
    const { sid } = await handshake3(t);
    const c = new WsClient(wsUrl(t, `transport=websocket&sid=${sid}`, "3"));
    await c.opened;
    c.send("2probe");
    assert.equal(await c.nextText(), "3probe");
    c.send("5");
    c.send("4up");
    assert.equal(await c.nextText(), "4up");
    assert.equal(t.engine.clients[sid]!.transport.name, "websocket");
    c.ws.close();
    await c.closed;
  });

  test("EIO=3 on a v4 session is a protocol mismatch", async () => {
    const r4 = await raw(t.port, t.path("transport=polling"));
    const sid = JSON.parse(r4.body.slice(1)).sid as string;
    const r = await raw(t.port, t.path(`transport=polling&sid=${sid}`, "3"));
    assert.equal(r.body, '{"code":3,"message":"Bad request"}');
  });
});
