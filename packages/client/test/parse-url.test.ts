import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseUrl } from "../src/parse-url.js";

describe("parseUrl", () => {
  it("splits origin and namespace, with the default port", () => {
    assert.deepEqual(parseUrl("http://example.com/admin", "/socket.io"), {
      origin: "http://example.com:80",
      nsp: "/admin",
      id: "http://example.com:80/socket.io",
      query: undefined,
    });
  });

  it("maps ws/wss to http/https and keeps explicit ports", () => {
    assert.equal(parseUrl("wss://example.com", "/socket.io").origin, "https://example.com:443");
    assert.equal(parseUrl("ws://127.0.0.1:3000", "/socket.io").origin, "http://127.0.0.1:3000");
  });

  it("reads the query and defaults the namespace to /", () => {
    const parsed = parseUrl("http://localhost:3000?token=a&x=1", "/socket.io");
    assert.equal(parsed.nsp, "/");
    assert.deepEqual(parsed.query, { token: "a", x: "1" });
  });

  it("accepts a host without scheme and IPv6 hosts", () => {
    assert.equal(parseUrl("localhost:3000/chat", "/socket.io").origin, "https://localhost:3000");
    assert.equal(parseUrl("http://[::1]:8080", "/socket.io").origin, "http://[::1]:8080");
  });

  it("keys the Manager cache by origin and engine path", () => {
    assert.equal(parseUrl("http://a.com/x", "/socket.io").id, parseUrl("http://a.com/y", "/socket.io").id);
    assert.notEqual(parseUrl("http://a.com", "/socket.io").id, parseUrl("http://a.com", "/other").id);
  });
});
