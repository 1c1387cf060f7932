/**
 * Public surface of the WebSocket transport (RFC 6455 server side, permessage-deflate).
 * Layer: engine (transport). See README.md in this folder for how the engine uses it.
 */
export { acceptWebSocket } from "./accept-websocket.js";
export {
  deflateMessage,
  inflateMessage,
  negotiatePerMessageDeflate,
  type PerMessageDeflateOptions,
} from "./permessage-deflate.js";
export {
  ReadyState,
  WebSocketConnection,
  type WebSocketHandler,
  type WebSocketOptions,
} from "./websocket-connection.js";
export {
  CloseCodes,
  WebSocketError,
  type WebSocketErrorCode,
  WebSocketErrorCodes,
} from "./websocket-error.js";
export {
  closeFrame,
  closePayload,
  type FrameOptions,
  frame,
  frameHeader,
  frameText,
  Opcode,
} from "./websocket-frame.js";
export {
  abortHandshake,
  buildAcceptResponse,
  computeAcceptKey,
  DEFAULT_ABORT_HEADERS,
  type UpgradeRequestLike,
  validateUpgradeRequest,
} from "./websocket-handshake.js";
export { isValidCloseCode, unmask, WebSocketReceiver } from "./websocket-receiver.js";
