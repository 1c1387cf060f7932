/**
 * How a node acts on a request from another node (the classic adapter's request types, PROTOCOL of
 * `@socket.io/redis-adapter`): look up or act on this node's sockets, and answer the requester on its
 * own route. Answers name this node (`uid`) so the requester can tell which members answered; socket.io
 * requesters ignore the extra field.
 */
import type { AdapterSocket, BroadcastOptions, RemoteSocketDetails, Room } from "./adapter.js";
import {
  ClusterMessageType,
  type NodeId,
  type RequestMessage,
  type ResponseMessage,
} from "./cluster-message.js";
import { InMemoryAdapter } from "./in-memory-adapter.js";

/** The node a request is answered by: its adapter (local view only: the in-memory methods) and its replies. */
export interface RequestAnswerer {
  readonly nodeId: NodeId;
  readonly adapter: InMemoryAdapter;
  respond(to: NodeId, response: ResponseMessage): void;
}

// This node's view only: the in-memory adapter's methods, never the cluster overrides (which would ask
// the cluster again).
const local = InMemoryAdapter.prototype;

function targets(request: RequestMessage): BroadcastOptions | undefined {
  const opts = request.opts;
  if (opts === undefined) return undefined;
  return { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags ?? {} };
}

/** A socket's description for another node: JSON- and msgpack-safe, no live objects. */
export function describeSocket(socket: AdapterSocket | RemoteSocketDetails): RemoteSocketDetails {
  return { id: socket.id, handshake: socket.handshake, rooms: [...socket.rooms], data: socket.data };
}

/** Acts on `request`; returns false when it lacks what its type needs (the caller counts it as bad). */
export function answerRequest(node: RequestAnswerer, request: RequestMessage): boolean {
  const { requestId, uid } = request;
  const reply = (fields: Omit<ResponseMessage, "requestId" | "uid">): void => {
    if (requestId !== undefined) node.respond(uid, { requestId, uid: node.nodeId, ...fields });
  };
  switch (request.type) {
    case ClusterMessageType.SOCKETS: {
      if (requestId === undefined) return false;
      local.sockets
        .call(node.adapter, new Set(request.rooms ?? []))
        .then((ids) => reply({ sockets: [...ids] }));
      return true;
    }
    case ClusterMessageType.ALL_ROOMS:
      if (requestId === undefined) return false;
      reply({ rooms: [...node.adapter.rooms.keys()] });
      return true;
    case ClusterMessageType.REMOTE_JOIN:
    case ClusterMessageType.REMOTE_LEAVE:
    case ClusterMessageType.REMOTE_DISCONNECT:
      return changeSockets(node, request, reply);
    case ClusterMessageType.REMOTE_FETCH: {
      const opts = targets(request);
      if (opts === undefined || requestId === undefined) return false;
      local.fetchSockets
        .call(node.adapter, opts)
        .then((sockets) => reply({ sockets: sockets.map(describeSocket) }));
      return true;
    }
    case ClusterMessageType.SERVER_SIDE_EMIT: {
      const data = request.data;
      if (data === undefined || typeof data[0] !== "string") return false;
      if (requestId === undefined) {
        node.adapter.nsp.onServerSideEmit(data);
        return true;
      }
      let called = false;
      // One answer per node: a listener calling its ack twice is answered once.
      const ack = (answer: unknown): void => {
        if (called) return;
        called = true;
        reply({ type: ClusterMessageType.SERVER_SIDE_EMIT, data: answer });
      };
      node.adapter.nsp.onServerSideEmit([...data, ack]);
      return true;
    }
    case ClusterMessageType.BROADCAST: {
      const opts = targets(request);
      const packet = request.packet;
      if (opts === undefined || packet === undefined || requestId === undefined) return false;
      local.broadcastWithAck.call(
        node.adapter,
        { type: 2, nsp: node.adapter.nsp.name, data: packet.data },
        opts,
        (clientCount) => reply({ type: ClusterMessageType.BROADCAST_CLIENT_COUNT, clientCount }),
        (answer) => reply({ type: ClusterMessageType.BROADCAST_ACK, packet: answer }),
      );
      return true;
    }
    default:
      return false;
  }
}

/** REMOTE_JOIN / REMOTE_LEAVE / REMOTE_DISCONNECT, by targets (`opts`) or for one socket (`sid`). */
function changeSockets(
  node: RequestAnswerer,
  request: RequestMessage,
  reply: (fields: Omit<ResponseMessage, "requestId" | "uid">) => void,
): boolean {
  const opts = targets(request);
  const rooms: readonly Room[] = request.rooms ?? (request.room === undefined ? [] : [request.room]);
  const act = (socket: AdapterSocket, waits: unknown[]): void => {
    if (request.type === ClusterMessageType.REMOTE_JOIN) waits.push(socket.join(rooms));
    else if (request.type === ClusterMessageType.REMOTE_LEAVE) for (const room of rooms) socket.leave(room);
    else socket.disconnect(request.close === true);
  };
  const waits: unknown[] = [];
  if (opts !== undefined) node.adapter.apply(opts, (socket) => act(socket, waits));
  else if (request.sid !== undefined) {
    const socket = node.adapter.nsp.sockets.get(request.sid);
    // socket.io's older single-socket form: only the node holding the socket answers.
    if (socket === undefined) return true;
    act(socket, waits);
  } else return false;
  // A join is confirmed once this node's subscriptions to the joined rooms are in place.
  Promise.all(waits).then(
    () => reply({}),
    () => reply({}),
  );
  return true;
}
