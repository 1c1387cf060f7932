/**
 * Files and images shared in a room, sent as binary in chunks so the page can show its progress: the page
 * announces a file (`upload-start`: name, type, size), sends its bytes in chunks (`upload-chunk`, each
 * acknowledged with the bytes received so far), and the room's other sockets get the whole file, as binary,
 * once the last byte arrived. Bounded: 5 MiB per file, 256 KiB per chunk, 2 uploads at once per socket; a socket's
 * unfinished uploads are dropped when it disconnects.
 * Part of the demo (examples/demo), not of the library.
 */
import { randomUUID } from "node:crypto";
import type { DemoSocket, Reply } from "./events.js";

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_CHUNK_BYTES = 256 * 1024;
const MAX_UPLOADS = 2;

interface Upload {
  readonly room: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly chunks: Buffer[];
  received: number;
}

function answer<T>(ack: unknown, reply: Reply<T>): void {
  if (typeof ack === "function") ack(reply);
}

export function acceptUploads(socket: DemoSocket, node: string): void {
  const uploads = new Map<string, Upload>();

  socket.on("upload-start", (file, ack) => {
    const room = socket.data.room;
    const { name, type, size } = (typeof file === "object" && file !== null ? file : {}) as Record<
      string,
      unknown
    >;
    if (room === undefined) return answer(ack, { ok: false, error: "ERR_NOT_IN_ROOM" });
    if (typeof name !== "string" || name.length === 0 || typeof type !== "string")
      return answer(ack, { ok: false, error: "ERR_INVALID_FILE" });
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size <= 0)
      return answer(ack, { ok: false, error: "ERR_INVALID_FILE" });
    if (size > MAX_FILE_BYTES) return answer(ack, { ok: false, error: "ERR_FILE_TOO_LARGE" });
    if (uploads.size >= MAX_UPLOADS) return answer(ack, { ok: false, error: "ERR_TOO_MANY_UPLOADS" });
    const id = randomUUID();
    uploads.set(id, {
      room,
      name: name.slice(0, 200),
      type: type.slice(0, 100),
      size,
      chunks: [],
      received: 0,
    });
    answer(ack, { ok: true, id });
  });

  socket.on("upload-chunk", (id, bytes, ack) => {
    const upload = typeof id === "string" ? uploads.get(id) : undefined;
    if (upload === undefined) return answer(ack, { ok: false, error: "ERR_UNKNOWN_UPLOAD" });
    if (
      !Buffer.isBuffer(bytes) ||
      bytes.length === 0 ||
      bytes.length > MAX_CHUNK_BYTES ||
      upload.received + bytes.length > upload.size
    ) {
      uploads.delete(id as string);
      return answer(ack, { ok: false, error: "ERR_INVALID_CHUNK" });
    }
    upload.chunks.push(bytes);
    upload.received += bytes.length;
    answer(ack, { ok: true, received: upload.received });
    if (upload.received < upload.size) return;
    uploads.delete(id as string);
    socket.to(upload.room).emit("file", {
      id: id as string,
      room: upload.room,
      from: socket.data.name,
      name: upload.name,
      type: upload.type,
      size: upload.size,
      data: Buffer.concat(upload.chunks),
      at: Date.now(),
      node,
    });
  });

  socket.on("disconnect", () => uploads.clear());
}
