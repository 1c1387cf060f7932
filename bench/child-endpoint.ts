/**
 * The child side of the IPC channel: answers the orchestrator's requests, exits when asked or when the
 * orchestrator goes away (so no load generator or server outlives a run).
 */
import type {
  CommandMap,
  ExitMessage,
  ReadyMessage,
  ReplyMessage,
  RequestMessage,
} from "./control-messages.js";

export type CommandHandlers<M extends CommandMap> = {
  [K in keyof M]: (params: M[K]["params"]) => Promise<M[K]["result"]> | M[K]["result"];
};

/** Whether this process was started by the orchestrator (has an IPC channel). */
export function hasParent(): boolean {
  return typeof process.send === "function";
}

export function serveCommands<M extends CommandMap>(
  handlers: CommandHandlers<M>,
  ready: ReadyMessage,
  onExit: () => void,
): void {
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new Error("serveCommands: no IPC channel (start this script from bench/run.ts)");
  process.on("message", (message: RequestMessage | ExitMessage) => {
    if (message.type === "exit") {
      onExit();
      return;
    }
    if (message.type !== "request") return;
    const handler = handlers[message.cmd as keyof M];
    const reply = (r: ReplyMessage) => {
      if (process.connected) send(r);
    };
    if (handler === undefined) {
      reply({ type: "reply", id: message.id, ok: false, error: `unknown command ${message.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.params as M[keyof M]["params"]))
      .then(
        (result) => reply({ type: "reply", id: message.id, ok: true, result }),
        (error: unknown) =>
          reply({
            type: "reply",
            id: message.id,
            ok: false,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
  });
  // The orchestrator died or closed the channel: nothing will ever measure us again.
  process.on("disconnect", onExit);
  send(ready);
}
