/**
 * Node channels between engines of one process (tests, examples, a single-process demo of routing):
 * a hub delivers each message to the named node's receiver asynchronously and in order, and tells the
 * others when a node leaves. Layer: engine.
 */
import type { NodeChannel } from "./node-channel.js";

interface Member {
  onMessage: ((from: string, message: Uint8Array) => void) | null;
  onNodeGone: ((nodeId: string) => void) | null;
}

/**
 * @example
 * const hub = new InProcessChannelHub();
 * const a = new Server({ sessionRouter: new ChannelSessionRouter(hub.join("a")) });
 * const b = new Server({ sessionRouter: new ChannelSessionRouter(hub.join("b")) });
 */
export class InProcessChannelHub {
  private readonly members = new Map<string, Member>();

  /** A channel for node `nodeId`, a member from now on. */
  join(nodeId: string): NodeChannel {
    const member: Member = { onMessage: null, onNodeGone: null };
    this.members.set(nodeId, member);
    const members = this.members;
    return {
      nodeId,
      send(to, message) {
        const target = members.get(to);
        if (target === undefined || members.get(nodeId) !== member) return false;
        // Microtasks run in the order they were queued: order per pair holds.
        queueMicrotask(() => {
          if (members.get(to) === target) target.onMessage?.(nodeId, message);
        });
        return true;
      },
      onMessage(handler) {
        member.onMessage = handler;
      },
      onNodeGone(handler) {
        member.onNodeGone = handler;
      },
    };
  }

  /** Node `nodeId` leaves: nothing more reaches it, and every other member is told. */
  leave(nodeId: string): void {
    if (!this.members.delete(nodeId)) return;
    for (const m of this.members.values()) m.onNodeGone?.(nodeId);
  }
}
