/**
 * Entry of `socket.io.msgpack.min.js`: the global `io` of `browser-global.ts`, whose Managers use the msgpack
 * parser unless given another `parser` (the counterpart of socket.io-client's msgpack bundle, for servers
 * created with `parser: msgpackParser` or socket.io-msgpack-parser).
 */
import { msgpackParser } from "@plexus/protocol";
import "./browser-global.js";
import { setDefaultParser } from "./custom-codec.js";

setDefaultParser(msgpackParser);
