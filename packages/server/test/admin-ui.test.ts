/**
 * `@socket.io/admin-ui` (the real package) instrumenting a Plexus server, watched by the official client
 * on its `/admin` namespace as the admin UI would: the socket list, live socket, room and event updates,
 * the server stats it sends every 2 s, its commands (emit, join, disconnect), and basic authentication.
 * What it uses of the server: `io._nsps`, `io.engine` (`clientsCount`, `connection`, session `packet`,
 * `packetCreate`, `upgrade` and `close` events), namespace `connection` listeners, adapter room events,
 * `socket.data`, `socket.handshake`, `onAny`/`onAnyOutgoing` and the broadcast operators.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { instrument } from "@socket.io/admin-ui";
import type { Server as SocketIoServer } from "socket.io";
import { next, startServer, type TestServer } from "./helpers.js";

interface SerializedSocket {
  id: string;
  clientId: string;
  transport: string;
  nsp: string;
  data: Record<string, unknown>;
  handshake: { address: string; headers: Record<string, string>; query: Record<string, string> };
  rooms: string[];
}

interface AdminServerStats {
  clientsCount: number;
  pollingClientsCount: number;
  namespaces: { name: string; socketsCount: number }[];
  aggregatedEvents: { type: string; subType?: string; count: number }[];
}

/** A bcrypt hash (cost 4) of "s3cret", the form admin-ui expects its password in. */
const PASSWORD_HASH = "$2a$04$4S0ik.rIZwfA/ri0nb083ODP8Fbu/XXc8UjKzAv3Xtqy7lM1TcbTy";

function instrumentPlexus(s: TestServer, options: Parameters<typeof instrument>[1]): void {
  instrument(s.io as unknown as SocketIoServer, options);
}

test("admin-ui: socket list, live updates, server stats and commands on a Plexus server", async () => {
  await using s = await startServer();
  instrumentPlexus(s, { auth: false, mode: "development" });
  s.io.on("connection", (socket) => {
    socket.data.user = "ann";
    socket.on("hello", (text: string, ack: (reply: string) => void) => ack(`hi ${text}`));
  });

  const earlyConnected = next(s.client("/", { transports: ["websocket"] }), "connect");
  await earlyConnected;
  const admin = s.client("/admin", { transports: ["websocket"] });
  const config = next<[{ supportedFeatures: string[] }]>(admin, "config");
  const allSockets = next<[SerializedSocket[]]>(admin, "all_sockets");
  await next(admin, "connect");
  assert.deepEqual((await config)[0].supportedFeatures.sort(), [
    "AGGREGATED_EVENTS",
    "ALL_EVENTS",
    "DISCONNECT",
    "EMIT",
    "JOIN",
    "LEAVE",
    "MDISCONNECT",
    "MJOIN",
    "MLEAVE",
  ]);
  const listed = (await allSockets)[0];
  const early = listed.find((x) => x.nsp === "/");
  assert.ok(early !== undefined, "the socket connected before the admin is listed");
  assert.equal(early.transport, "websocket");
  assert.deepEqual(early.data, { user: "ann" });
  assert.equal(early.handshake.address, "127.0.0.1");
  assert.deepEqual(early.rooms, [early.id]);

  // A new socket, over polling then upgraded: connected, then updated with its new transport.
  const connectedEvent = next<[SerializedSocket]>(admin, "socket_connected");
  const upgraded = new Promise<Partial<SerializedSocket>>((resolve) => {
    admin.on("socket_updated", (update: Partial<SerializedSocket>) => {
      if (update.transport === "websocket") resolve(update);
    });
  });
  const c = s.client("/", { query: { tag: "watched" } });
  await next(c, "connect");
  const id = c.id!;
  const [described] = await connectedEvent;
  assert.equal(described.id, id);
  assert.equal(described.nsp, "/");
  assert.equal(described.transport, "polling");
  assert.equal(described.handshake.query.tag, "watched");
  assert.equal((await upgraded).id, id);

  // Events both ways, then rooms.
  const received = next<[string, string, unknown[]]>(admin, "event_received");
  const sent = next<[string, string, unknown[]]>(admin, "event_sent");
  assert.equal(await c.emitWithAck("hello", "there"), "hi there");
  assert.deepEqual((await received).slice(0, 3), ["/", id, ["hello", "there"]]);
  const server = s.io.sockets.sockets.get(id)!;
  server.emit("welcome", 1);
  assert.deepEqual((await sent).slice(0, 3), ["/", id, ["welcome", 1]]);
  // Broadcasts too are seen where admin-ui counts outgoing packets and bytes (engine `packetCreate`).
  const created: unknown[] = [];
  server.conn.on("packetCreate", (packet: { data: unknown }) => created.push(packet.data));
  s.io.emit("to-all", 2);
  assert.deepEqual(created, ['2["to-all",2]']);
  const joined = next<[string, string, string]>(admin, "room_joined");
  server.join("blue");
  assert.deepEqual((await joined).slice(0, 3), ["/", "blue", id]);

  // Commands from the admin UI.
  const news = next<[string]>(c, "news");
  admin.emit("emit", "/", "blue", "news", "from admin");
  assert.deepEqual(await news, ["from admin"]);
  const joinedGreen = next<[string, string, string]>(admin, "room_joined");
  admin.emit("join", "/", "green", id);
  assert.deepEqual((await joinedGreen).slice(0, 3), ["/", "green", id]);
  assert.ok(server.rooms.has("green"));

  // The stats the UI polls for its dashboard (sent every 2 s).
  const [stats] = await next<[AdminServerStats]>(admin, "server_stats");
  assert.equal(stats.clientsCount, s.io.engine.clientsCount);
  assert.equal(stats.pollingClientsCount, 0);
  assert.deepEqual(
    stats.namespaces.find((n) => n.name === "/"),
    { name: "/", socketsCount: 2 },
  );
  const types = new Set(stats.aggregatedEvents.map((e) => e.type));
  for (const type of ["rawConnection", "packetsIn", "bytesIn", "packetsOut", "bytesOut"]) {
    assert.ok(types.has(type), `aggregated ${type}`);
  }

  const gone = next<[string, string, string]>(admin, "socket_disconnected");
  const clientSide = next<[string]>(c, "disconnect");
  admin.emit("_disconnect", "/", false, id);
  assert.deepEqual((await gone).slice(0, 3), ["/", id, "server namespace disconnect"]);
  assert.equal((await clientSide)[0], "io server disconnect");
});

test("admin-ui basic authentication: wrong password refused, right one gets a session", async () => {
  await using s = await startServer();
  instrumentPlexus(s, { auth: { type: "basic", username: "admin", password: PASSWORD_HASH } });
  const refused = s.client("/admin", { auth: { username: "admin", password: "wrong" } });
  const [err] = await next<[Error]>(refused, "connect_error");
  assert.equal(err.message, "invalid credentials");

  const admin = s.client("/admin", { auth: { username: "admin", password: "s3cret" } });
  const session = next<[string]>(admin, "session");
  const config = next(admin, "config");
  await next(admin, "connect");
  assert.match((await session)[0], /^[0-9a-f]{16}$/);
  await config;
});
