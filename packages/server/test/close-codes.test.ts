/**
 * Socket.IO packets that do not decode close the engine connection with a close frame that names the fault
 * (RFC 6455 §7.4.1; table in the engine's close-codes.ts): 1002 when the packet's structure breaks the
 * protocol, 1007 when a well-formed packet carries bad data. Asserted on raw frames, over plain TCP.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RawTcpWebSocket } from "../../../test-support/raw-tcp-websocket.js";
import { startServer } from "./helpers.js";

const CASES: ReadonlyArray<readonly [string, string, number, string]> = [
  ["bad JSON", '42["x",', 1007, "ERR_SIO_INVALID_JSON"],
  [
    "nesting past the limit",
    `42["deep",${"[".repeat(1100)}${"]".repeat(1100)}]`,
    1007,
    "ERR_SIO_INVALID_PAYLOAD",
  ],
  ["a reserved event name", '42["disconnect"]', 1007, "ERR_SIO_RESERVED_EVENT"],
  ["an unknown packet type", "49", 1002, "ERR_SIO_UNKNOWN_PACKET_TYPE"],
  ["a bad attachment count", '45x-["x"]', 1002, "ERR_SIO_ILLEGAL_ATTACHMENTS"],
  ["an ack id above 2^53", '42999999999999999999999999["x"]', 1002, "ERR_SIO_INVALID_ACK_ID"],
];

for (const [name, frame, code, reason] of CASES) {
  test(`${name} (${frame.slice(0, 24)}): close ${code} ${reason}`, async () => {
    await using s = await startServer();
    const disconnected = new Promise<string>((resolve) =>
      s.io.on("connection", (socket) => socket.on("disconnect", resolve)),
    );
    const client = await RawTcpWebSocket.open(s.port, "/socket.io/?EIO=4&transport=websocket");
    await client.waitForText(/^0\{/);
    client.send("40");
    await client.waitForText(/^40\{/);
    client.send(frame);
    assert.deepEqual(await client.closeFrame(), { code, reason });
    assert.equal(await disconnected, "forced close");
    client.destroy();
  });
}
