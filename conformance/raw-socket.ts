/**
 * The hand-driven Engine.IO v4 WebSocket client of the wire-level scenarios: frames are queued for
 * `next()`, pings answered automatically. Shared with the server package tests through `test-support/`.
 */
export { RawEngineSocket as RawSocket } from "../test-support/raw-engine-socket.js";
