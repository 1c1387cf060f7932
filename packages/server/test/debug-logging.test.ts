/**
 * Debug logging (issue 15): a server and a client in a child process with `DEBUG=plexus:*` print a trace of
 * the session under every namespace (connection, handshake, upgrade, packets, rooms, adapter, client), and
 * nothing at all without `DEBUG`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";

const fixture = new URL("./fixtures/debug-session.ts", import.meta.url).pathname;

async function run(debug: string | undefined): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DEBUG;
  if (debug !== undefined) env.DEBUG = debug;
  // Plain lines without colours or timestamps on a pipe; the namespace starts each line.
  env.DEBUG_COLORS = "false";
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", fixture], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = await once(child, "exit");
  assert.equal(code, 0, stderr);
  return { stdout, stderr };
}

test("DEBUG=plexus:* traces one session under each namespace", { timeout: 60_000 }, async () => {
  const { stdout, stderr } = await run("plexus:*");
  assert.equal(stdout, "done");
  const lines = stderr.split("\n").filter((l) => l.includes("plexus:"));
  const expected = [
    /plexus:engine handshake: session \S+ opened on polling \(EIO=4\)/,
    /plexus:engine upgrade request /,
    /plexus:engine:polling session \S+: poll \(handshake\)/,
    /plexus:engine:polling session \S+: data request \(POST\)/,
    /plexus:engine:socket session \S+: upgraded to websocket/,
    /plexus:engine:socket session \S+: received message \(text\) on websocket/,
    /plexus:engine:websocket frame received \(text, \d+ bytes\)/,
    /plexus:engine:socket session \S+ closed: /,
    /plexus:server incoming connection with id \S+/,
    /plexus:server connection \S+: CONNECT to \//,
    /plexus:namespace \/: socket \S+ connected/,
    /plexus:namespace broadcasting news to rooms \["lobby"\] except \[\]/,
    /plexus:socket socket \S+: join "lobby"/,
    /plexus:socket socket \S+: received event echo \(ack 0\)/,
    /plexus:socket socket \S+: disconnected \(client namespace disconnect\)/,
    /plexus:adapter \/: socket \S+ joins \["lobby"\]/,
    /plexus:adapter \/: broadcast to \["lobby"\] except \[\]/,
    /plexus:client opening http:\/\/127\.0\.0\.1:\d+/,
    /plexus:client \/: connected as \S+/,
    /plexus:client:engine handshake: \{"sid":/,
    /plexus:client:engine session \S+: upgraded to websocket/,
  ];
  for (const pattern of expected) {
    assert.ok(
      lines.some((l) => pattern.test(l)),
      `no line matches ${pattern}\n${lines.join("\n")}`,
    );
  }
});

test("without DEBUG, nothing is printed", { timeout: 60_000 }, async () => {
  const { stdout, stderr } = await run(undefined);
  assert.equal(stdout, "done");
  assert.equal(stderr, "");
});
