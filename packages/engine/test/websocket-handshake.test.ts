import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildAcceptResponse,
  computeAcceptKey,
  negotiatePerMessageDeflate,
  validateUpgradeRequest,
} from "../src/websocket/index.js";

const headers = {
  upgrade: "websocket",
  connection: "keep-alive, Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

describe("opening handshake (RFC 6455 §4.2)", () => {
  it("computes the RFC §1.3 accept key", () => {
    assert.equal(computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("accepts a valid request, whatever the case of Upgrade and a Connection list", () => {
    assert.equal(validateUpgradeRequest({ method: "GET", headers }), null);
    assert.equal(
      validateUpgradeRequest({ method: "GET", headers: { ...headers, upgrade: "WebSocket" } }),
      null,
    );
  });

  it("names each defect with a stable code", () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [headers, "POST", "ERR_WS_BAD_METHOD"],
      [{ ...headers, upgrade: "h2c" }, "GET", "ERR_WS_BAD_UPGRADE_HEADER"],
      [{ ...headers, connection: "keep-alive" }, "GET", "ERR_WS_BAD_CONNECTION_HEADER"],
      [{ ...headers, connection: "upgraded" }, "GET", "ERR_WS_BAD_CONNECTION_HEADER"],
      [{ ...headers, "sec-websocket-version": "9" }, "GET", "ERR_WS_BAD_VERSION"],
      [{ ...headers, "sec-websocket-version": "" }, "GET", "ERR_WS_BAD_VERSION"],
      [{ ...headers, "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ" }, "GET", "ERR_WS_BAD_KEY"],
      [{ ...headers, "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ=" }, "GET", "ERR_WS_BAD_KEY"],
      [{ ...headers, "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ!=" }, "GET", "ERR_WS_BAD_KEY"],
      [{ ...headers, "sec-websocket-key": "AAAA" }, "GET", "ERR_WS_BAD_KEY"],
    ];
    for (const [h, method, code] of cases) {
      assert.equal(validateUpgradeRequest({ method, headers: h })?.code, code, JSON.stringify(h));
    }
  });

  it("rejects a malformed extension header only when permessage-deflate is on", () => {
    const h = { ...headers, "sec-websocket-extensions": "permessage-deflate; a b" };
    assert.equal(validateUpgradeRequest({ method: "GET", headers: h }), null);
    assert.equal(validateUpgradeRequest({ method: "GET", headers: h }, true)?.code, "ERR_WS_BAD_EXTENSIONS");
  });

  it("refuses extra header lines that would inject headers", () => {
    assert.throws(
      () => buildAcceptResponse({ headers }, false, ["Set-Cookie: a=b\r\nX-Evil: 1"]),
      (err: Error & { code?: string }) => err.code === "ERR_WS_BAD_HEADER_LINE",
    );
    assert.throws(() => buildAcceptResponse({ headers }, false, ["no colon"]));
  });
});

describe("permessage-deflate negotiation (RFC 7692 §5, §7.1)", () => {
  const BASE = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
  const cases: Array<[string | undefined, string | null]> = [
    [undefined, null],
    ["x-webkit-deflate-frame", null],
    ["permessage-deflate", BASE],
    ["permessage-deflate; client_max_window_bits", BASE],
    ["permessage-deflate; client_max_window_bits=10", BASE],
    ["permessage-deflate; server_no_context_takeover", BASE],
    ['permessage-deflate; server_max_window_bits="12"', `${BASE}; server_max_window_bits=12`],
    // Window 8 is impossible with zlib raw deflate: the first offer is declined, the fallback taken.
    ["permessage-deflate; server_max_window_bits=8, permessage-deflate", BASE],
    ["permessage-deflate; server_max_window_bits=16", null],
    ["permessage-deflate; unknown_param", null],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", null],
    ["permessage-deflate; server_no_context_takeover=1", null],
  ];
  for (const [offer, expected] of cases) {
    it(`${offer ?? "(no header)"} → ${expected ?? "declined"}`, () => {
      assert.equal(negotiatePerMessageDeflate(offer)?.response ?? null, expected);
    });
  }
});
