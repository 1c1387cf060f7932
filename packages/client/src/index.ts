/**
 * @plexus/client for Node: long-polling over `node:http(s)`, WebSocket over `ws`, binary as `Buffer`.
 * Browsers resolve `./browser.js` through the `browser` export condition.
 */
import { nodePlatform } from "./engine/node/node-platform.js";
import { setPlatform } from "./engine/platform.js";

setPlatform(nodePlatform);

export { msgpackParser, type Parser } from "@plexus/protocol";
export * from "./client.js";
export { default } from "./client.js";
