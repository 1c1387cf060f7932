/**
 * @plexus/client for browsers: long-polling over `fetch`, the native `WebSocket`, binary as `ArrayBuffer`.
 * Also the entry of `dist/socket.io.esm.min.js`.
 */
import { browserPlatform } from "./engine/browser/browser-platform.js";
import { setPlatform } from "./engine/platform.js";

setPlatform(browserPlatform);

export type { Parser } from "@plexus/protocol";
export * from "./client.js";
export { default } from "./client.js";
