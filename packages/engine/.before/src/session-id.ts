/**
 * Default session ids: unguessable, 20 base64url characters like `base64id` (PROTOCOL.md §A2).
 * Layer: engine.
 */
import { randomFillSync } from "node:crypto";

// 15 random bytes → 20 base64url characters, like `base64id`; drawn from a pool to save syscalls.
const ID_BYTES = 15;
const ID_POOL = Buffer.allocUnsafe(ID_BYTES * 256);
let idOffset = ID_POOL.length;
export function randomId(): string {
  if (idOffset >= ID_POOL.length) {
    randomFillSync(ID_POOL);
    idOffset = 0;
  }
  const id = ID_POOL.toString("base64url", idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}
