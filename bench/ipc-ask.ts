/** One request/reply over a forked child's IPC channel, for children that answer one command at a time. */
import type { ChildProcess } from "node:child_process";

/** Sends `cmd` and resolves with the next message the child sends. */
export function ipcAsk<T>(proc: ChildProcess, cmd: object): Promise<T> {
  return new Promise<T>((resolve) => {
    proc.once("message", (m: T) => resolve(m));
    proc.send(cmd);
  });
}
