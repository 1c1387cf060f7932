/**
 * A node channel between child processes over their IPC with the test process, for the channel-mode
 * routing tests: children send `{ to, data }` to the parent, which relays it to the named child
 * (`IpcChannelHub`); the hub tells every child the member list and when a child exits. Order per pair
 * holds (one IPC pipe each way). The cluster adapter provides the real channel; this one is test code.
 */
import type { ChildProcess } from "node:child_process";
import type { NodeChannel } from "@plexus/engine";

/** Messages on the IPC pipe (both directions). */
export type ChannelIpcMessage =
  | { readonly kind: "route"; readonly peer: string; readonly data: string }
  | { readonly kind: "members"; readonly nodes: readonly string[] }
  | { readonly kind: "gone"; readonly node: string };

export function isChannelIpcMessage(m: unknown): m is ChannelIpcMessage {
  const kind = (m as { kind?: unknown } | null)?.kind;
  return kind === "route" || kind === "members" || kind === "gone";
}

/** The child's end: a NodeChannel whose messages go through the parent. */
export function ipcNodeChannel(nodeId: string): NodeChannel & { handle(m: ChannelIpcMessage): void } {
  const members = new Set<string>();
  let onMessage: ((from: string, message: Uint8Array) => void) | null = null;
  let onGone: ((node: string) => void) | null = null;
  return {
    nodeId,
    send(to, message) {
      if (!members.has(to) || process.send === undefined) return false;
      const m: ChannelIpcMessage = { kind: "route", peer: to, data: Buffer.from(message).toString("base64") };
      process.send(m);
      return true;
    },
    onMessage(handler) {
      onMessage = handler;
    },
    onNodeGone(handler) {
      onGone = handler;
    },
    handle(m) {
      if (m.kind === "route") onMessage?.(m.peer, Buffer.from(m.data, "base64"));
      else if (m.kind === "members") for (const n of m.nodes) members.add(n);
      else if (members.delete(m.node)) onGone?.(m.node);
    },
  };
}

/** The parent's relay between the children it started. */
export class IpcChannelHub {
  private readonly children = new Map<string, ChildProcess>();

  /** Adds a child as node `nodeId`; relays what it sends; tells the others when it exits. */
  add(nodeId: string, child: ChildProcess): void {
    this.children.set(nodeId, child);
    child.on("message", (m: unknown) => {
      if (!isChannelIpcMessage(m) || m.kind !== "route") return;
      const target = this.children.get(m.peer);
      if (target?.connected)
        target.send({ kind: "route", peer: nodeId, data: m.data } satisfies ChannelIpcMessage);
    });
    child.once("exit", () => {
      this.children.delete(nodeId);
      for (const other of this.children.values()) {
        if (other.connected) other.send({ kind: "gone", node: nodeId } satisfies ChannelIpcMessage);
      }
    });
  }

  /** Tells every child the current member list. */
  announce(): void {
    const nodes = [...this.children.keys()];
    for (const child of this.children.values()) {
      if (child.connected) child.send({ kind: "members", nodes } satisfies ChannelIpcMessage);
    }
  }
}
