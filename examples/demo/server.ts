/**
 * The Plexus demo (`npm start`): a page on http://localhost:3000 (PORT env) that loads the client bundle
 * served by the server at /socket.io/socket.io.js and shows namespaces, rooms, acks and a binary upload.
 * Written against the Socket.IO server API: only the import differs from a socket.io app. Prometheus
 * metrics (`@plexus/metrics`) are served on /metrics.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { enableMetrics } from "@plexus/metrics";
import { Server } from "@plexus/server";

const PORT = Number(process.env.PORT ?? 3000);
const page = readFileSync(new URL("./public/index.html", import.meta.url));

// The bundle is built by `npm run build`; build it here when the demo runs from a fresh checkout.
const bundle = new URL("../../packages/client/dist/socket.io.js", import.meta.url);
const bundler = new URL("../../packages/client/scripts/bundle.mjs", import.meta.url);
if (!existsSync(bundle) && existsSync(bundler))
  execFileSync(process.execPath, [bundler.pathname], { stdio: "inherit" });

const http = createServer((req, res) => {
  if (req.url === "/" || req.url === "/index.html") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});

interface ChatMessage {
  from: string;
  text: string;
  room: string;
}

interface ClientToServer {
  join: (room: string, ack: (reply: { room: string }) => void) => void;
  chat: (text: string, ack: (reply: string) => void) => void;
  upload: (
    file: { name: string; data: Buffer },
    ack: (reply: { name: string; size: number; sha256: string }) => void,
  ) => void;
}

interface ServerToClient {
  chat: (message: ChatMessage) => void;
  tick: (time: string) => void;
}

const io = new Server<ClientToServer, ServerToClient>(http, { maxHttpBufferSize: 10e6 });
// Prometheus metrics on GET /metrics (in front of the page handler above).
enableMetrics(io).mount();

// Main namespace: rooms, acks and uploads.
io.on("connection", (socket) => {
  let room = "lobby";
  socket.join(room);
  socket.on("join", (next, ack) => {
    socket.leave(room);
    room = String(next).slice(0, 32) || "lobby";
    socket.join(room);
    ack({ room });
  });
  socket.on("chat", (text, ack) => {
    io.to(room).emit("chat", { from: socket.id, text: String(text).slice(0, 500), room });
    ack("delivered");
  });
  socket.on("upload", (file, ack) => {
    const sha256 = createHash("sha256").update(file.data).digest("hex");
    ack({ name: String(file.name), size: file.data.length, sha256 });
  });
});

// A second namespace on the same connection: the server pushes the time every second.
const clock = io.of("/clock");
setInterval(() => clock.emit("tick", new Date().toISOString()), 1000).unref();

http.listen(PORT, () => {
  const { port } = http.address() as AddressInfo;
  console.log(`Plexus demo on http://localhost:${port} (metrics on /metrics)`);
});
