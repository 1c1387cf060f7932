/**
 * Socket ids and private session ids: 20 url-safe base64 characters (120 random bits), like the ids of
 * the official server. Random bytes are drawn in blocks to keep the per-connection cost low.
 */
import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
const BLOCK = ID_BYTES * 256;
const pool = Buffer.allocUnsafe(BLOCK);
let offset = BLOCK;

export function newId(): string {
  if (offset === BLOCK) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
