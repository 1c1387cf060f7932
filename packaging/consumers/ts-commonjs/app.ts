// The official TypeScript examples' setup: `module: commonjs` (node10 resolution), typed events.
import { createServer } from "node:http";
import { type Socket as ClientSocket, io } from "@plexus/client";
import { Server, type Socket } from "@plexus/server";

interface ClientToServer {
  double: (n: number, ack: (doubled: number) => void) => void;
}
interface ServerToClient {
  hello: (text: string) => void;
}

const httpServer = createServer();
const server = new Server<ClientToServer, ServerToClient>(httpServer);
server.on("connection", (socket: Socket<ClientToServer, ServerToClient>) => {
  socket.on("double", (n, ack) => ack(n * 2));
});
httpServer.listen(0, "127.0.0.1", async () => {
  const address = httpServer.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const socket: ClientSocket<ServerToClient, ClientToServer> = io(`http://127.0.0.1:${address.port}`);
  const doubled: number = await socket.emitWithAck("double", 21);
  if (doubled !== 42) throw new Error(`expected 42, got ${doubled}`);
  socket.close();
  server.close();
  console.log("ok");
});
