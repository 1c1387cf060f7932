#!/usr/bin/env node
// Builds the browser bundles served at /socket.io/*: an unminified IIFE exposing the global `io`, a minified
// IIFE, a minified ESM module and a minified IIFE whose default parser is msgpack, each with its source map.
// Node-only modules never enter: the browser entries install the fetch/WebSocket platform. Run by the root `npm run build`, and by the browser tests when missing.
import { build } from "esbuild";

const pkg = new URL("..", import.meta.url).pathname;
// Internal member names shortened in every bundle (~400 B min+gzip). Only names private to this package belong
// here: never option names, wire/JSON keys (`pid`, `maxPayload`, `_placeholder`) or public API.
const internalMembers = [
  "writeBuffer",
  "inFlight",
  "upgrading",
  "flushScheduled",
  "transportOpts",
  "pingTimer",
  "pingDeadline",
  "unloadHandler",
  "offlineHandler",
  "writablePackets",
  "sendPacket",
  "resetPingTimer",
  "startProbe",
  "setTransport",
  "createTransport",
  "handler",
  "detach",
  "onPacket",
  "onDrain",
  "onOpen",
  "onClose",
  "onError",
  "onClosed",
  "onIdle",
  "checkIdle",
  "abortPoll",
  "onFrame",
  "handlers",
  "dispatch",
  "dispatchOut",
  "registerAck",
  "sendConnect",
  "emitEvent",
  "notifyOutgoing",
  "lastOffset",
  "onConnect",
  "onEvent",
  "onAck",
  "ackFor",
  "anyListeners",
  "anyOutgoingListeners",
  "pendingBlobs",
  "blobChain",
  "skipReconnect",
  "reconnectionEnabled",
  "onData",
  "backoff",
  "decoder",
  "cleanup",
  "retryQueue",
  "joining",
  "canSend",
  "tryCount",
  "paused",
  "polling",
  "poll",
  "probe",
  "state",
  "flags",
  "pending",
  "subs",
  "ids",
  "acks",
  "jitter",
  "attempts",
  "uri",
  "binary",
  "request",
  "websocket",
  // Underscored members shared by the package's own classes only (Socket → Manager), and the ack flag.
  "_reconnecting",
  "_packet",
  "_onPacket",
  "_destroy",
  "withError",
  "cookieJar",
];

const protocolTableKeys = [
  ...["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"],
  ...["PING_TIMEOUT", "TRANSPORT_CLOSE", "TRANSPORT_ERROR", "PARSE_ERROR", "FORCED_CLOSE"],
  ...["SERVER_SHUTTING_DOWN", "FORCED_SERVER_CLOSE"],
];

const common = {
  // Plus the keys of the protocol's constant tables (`SocketPacketType.*`, `EngineCloseReasons.*`,
  // `ProtocolErrorCodes.SIO_*`): the bundles do not export those tables, only their values travel.
  mangleProps: new RegExp(
    `^(${internalMembers.join("|")}|(SIO|EIO)_[A-Z_]+|${protocolTableKeys.join("|")})$`,
  ),
  bundle: true,
  platform: "browser",
  target: ["es2022"],
  sourcemap: true,
  conditions: ["source"],
  // The browser bundles leave logging out, as socket.io-client's: `debug` becomes a namespace that is never on.
  alias: { debug: "./scripts/debug-off.mjs" },
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: pkg,
};

await Promise.all([
  build({ ...common, entryPoints: ["src/browser-global.ts"], format: "iife", outfile: "dist/socket.io.js" }),
  build({
    ...common,
    entryPoints: ["src/browser-global.ts"],
    format: "iife",
    minify: true,
    outfile: "dist/socket.io.min.js",
  }),
  build({
    ...common,
    entryPoints: ["src/browser.ts"],
    format: "esm",
    minify: true,
    outfile: "dist/socket.io.esm.min.js",
  }),
  // The same global `io`, speaking the msgpack wire by default (socket.io's socket.io.msgpack.min.js).
  build({
    ...common,
    entryPoints: ["src/browser-global-msgpack.ts"],
    format: "iife",
    minify: true,
    outfile: "dist/socket.io.msgpack.min.js",
  }),
]);
