/**
 * The adapter's IPC listener does not keep a process alive after its servers closed: a worker that closes
 * its server exits by itself, as it would without the adapter.
 */
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";

test("a process whose servers closed exits by itself (the IPC listener is removed)", {
  timeout: 60_000,
}, async () => {
  const child = fork(new URL("./fixtures/close-and-exit.ts", import.meta.url).pathname, [], {
    execArgv: ["--conditions=source", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    // The adapter's envelopes (heartbeats, a leave notice) come this way too: the parent plays the primary.
    const up = new Promise<void>((resolve) =>
      child.on("message", (m: { up?: boolean }) => {
        if (m.up === true) resolve();
      }),
    );
    const exited = once(child, "exit");
    await up;
    // The parent keeps its end of the channel open: only the child's own listeners could keep it running.
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
