/**
 * Entry of the IIFE bundles (`socket.io.js`, `socket.io.min.js`): exposes `io` as a global function carrying
 * `Manager`, `Socket`, `io`, `connect` and `protocol`, like the official bundle, and Plexus's `Presence`.
 */

import { ClientError, io, Manager, Presence, protocol, Socket } from "./client.js";
import { browserPlatform } from "./engine/browser/browser-platform.js";
import { setPlatform } from "./engine/platform.js";

setPlatform(browserPlatform);

(globalThis as { io?: unknown }).io = Object.assign(io, {
  Manager,
  Socket,
  io,
  connect: io,
  protocol,
  ClientError,
  Presence,
});
