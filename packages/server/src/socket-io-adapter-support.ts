/**
 * What adapters written for `socket.io` read from the objects they are given, beyond the Plexus adapter
 * contract. `socket.io-adapter`'s `Adapter` (and its `ClusterAdapter`/`ClusterAdapterWithHeartbeat`
 * subclasses: `@socket.io/redis-adapter`, `cluster-adapter`, `redis-streams-adapter`, `postgres-adapter`)
 * encodes a broadcast once with `nsp.server.encoder`, hands the encoded parts to every recipient's
 * `socket.client.writeToEngine(parts, { preEncoded, volatile, compress })`, takes broadcast ack ids from the
 * namespace-wide counter `nsp._ids++` and registers the callbacks with `socket.acks.set(id, fn)`, and
 * delivers other nodes' server-side events through `nsp._onServerSideEmit(args)`.
 *
 * Those members exist on the prototypes of `Server`, `Namespace`, `Socket` and `Client` (a getter or a
 * method each, no field): a Plexus adapter never calls them and pays nothing, and no code path asks which
 * kind of adapter it talks to. This file holds their bodies.
 */
import { encodeSocketPacket, type SocketPacket } from "@plexus/protocol";
import type { EngineData, EnginePrepared, EngineServer } from "./engine-connection.js";

/** The options `socket.io-adapter` passes to `writeToEngine` (`wsPreEncodedFrame` is ignored: the engine frames once itself). */
export interface SocketIoWriteOptions {
  readonly preEncoded?: boolean;
  readonly volatile?: boolean | undefined;
  readonly compress?: boolean | undefined;
}

/**
 * `io.encoder`: `socket-io-parser`'s `Encoder` interface over the Plexus codec. `encode` returns the
 * packet's text (binary attachments replaced by placeholders, the type raised to BINARY_EVENT/BINARY_ACK)
 * followed by the attachments, exactly what `socket.io-parser` returns.
 *
 * @example
 * const parts = io.encoder.encode({ type: 2, nsp: "/", data: ["hello", 1] }); // ['2["hello",1]']
 */
export class SocketIoEncoder {
  encode(packet: SocketPacket): EngineData[] {
    return encodeSocketPacket(packet) as EngineData[];
  }
}

/**
 * Engine-prepared bytes per encoded broadcast: the adapter passes the same parts array to every
 * recipient, so the first recipient frames it and the others reuse the frames (one WeakMap lookup each).
 */
const preparedByParts = new WeakMap<readonly EngineData[], EnginePrepared>();
const COMPRESS = Object.freeze({ compress: true });
const NO_COMPRESS = Object.freeze({ compress: false });

/** The engine packet for parts encoded by `io.encoder`, framed once per parts array. */
export function preparedFor(
  engine: EngineServer,
  encoded: EngineData | readonly EngineData[],
  opts: SocketIoWriteOptions,
): EnginePrepared {
  const options = opts.compress === false ? NO_COMPRESS : COMPRESS;
  if (!Array.isArray(encoded)) return engine.prepare([encoded as EngineData], options);
  const parts = encoded as readonly EngineData[];
  let prepared = preparedByParts.get(parts);
  if (prepared === undefined) {
    prepared = engine.prepare(parts, options);
    preparedByParts.set(parts, prepared);
  }
  return prepared;
}

/** What the ack-id helpers need of a socket. */
interface AckIdOwner {
  nextAckId: number;
}

/**
 * `nsp._ids` read by a socket.io adapter before a broadcast with acks: an id no local socket has used
 * yet. Plexus sockets number their own acks (`nextAckId`), so the shared id is above all of them.
 * One pass over the namespace's sockets, only on that (rare) path.
 */
export function nextFreeAckId(sockets: ReadonlyMap<string, AckIdOwner>): number {
  let id = 0;
  for (const socket of sockets.values()) if (socket.nextAckId > id) id = socket.nextAckId;
  return id;
}

/** `nsp._ids = next` (the `++`): every local socket numbers its next own ack at or above `next`. */
export function reserveAckIds(sockets: ReadonlyMap<string, AckIdOwner>, next: number): void {
  for (const socket of sockets.values()) if (socket.nextAckId < next) socket.nextAckId = next;
}
