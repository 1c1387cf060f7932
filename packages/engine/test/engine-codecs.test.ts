/**
 * Pure pieces of the engine fed with literals: EIO3 framing (with a fuzz property), CORS headers,
 * cookie serialisation, Accept-Encoding negotiation, query parsing.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, test } from "node:test";
import { ProtocolError } from "@plexus/protocol";
import fc from "fast-check";
import { resolveCookieOptions, serializeCookie } from "../src/cookie.js";
import { applyCors, type CorsOptions } from "../src/cors.js";
import {
  decodeBinaryPayloadV3,
  decodePacketV3,
  decodeTextPayloadV3,
  encodePayloadV3,
} from "../src/eio3-codec.js";
import { type EngineParams, parseQuery, readEngineParams } from "../src/handshake-record.js";
import { negotiateEncoding } from "../src/http-compression.js";

describe("EIO3 codec", () => {
  test("text payload: UTF-16 length prefixes, base64 binary records", () => {
    assert.equal(encodePayloadV3(["4héllo", new Uint8Array([1, 2])], false), "6:4héllo6:b4AQI=");
    assert.equal(encodePayloadV3([], false), "0:");
    assert.deepEqual(decodeTextPayloadV3("6:4héllo1:26:b4AQI="), [
      { type: "message", data: "héllo" },
      { type: "ping" },
      { type: "message", data: Buffer.from([1, 2]) },
    ]);
  });

  test("binary payload: type flag, decimal digit bytes, 0xFF, data (text as UTF-8)", () => {
    const out = encodePayloadV3(["4é", new Uint8Array([9])], true) as Buffer;
    assert.deepEqual([...out], [0, 3, 255, 0x34, 0xc3, 0xa9, 1, 2, 255, 4, 9]);
    assert.deepEqual(decodeBinaryPayloadV3(out), [
      { type: "message", data: "é" },
      { type: "message", data: Buffer.from([9]) },
    ]);
    // Without binary items a binary-capable client still gets a text payload.
    assert.equal(encodePayloadV3(["4a"], true), "2:4a");
  });

  test("binary frames carry the type byte", () => {
    assert.deepEqual(decodePacketV3(Buffer.from([4, 7, 8])), { type: "message", data: Buffer.from([7, 8]) });
  });

  test("malformed payloads throw ProtocolError", () => {
    for (const bad of ["", "5:4hi", "x:4", ":4", "2:9x", "1", "3:4ab2:4"]) {
      assert.throws(() => decodeTextPayloadV3(bad), ProtocolError, JSON.stringify(bad));
    }
    for (const bad of [
      [2, 1, 255, 52],
      [0, 5, 255, 52],
      [0, 1],
      [0, 12, 255],
    ]) {
      assert.throws(() => decodeBinaryPayloadV3(Buffer.from(bad)), ProtocolError, JSON.stringify(bad));
    }
  });

  test("property: any input either decodes or throws ProtocolError, never anything else", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (body) => {
        try {
          decodeTextPayloadV3(body);
        } catch (err) {
          assert.ok(err instanceof ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeBinaryPayloadV3(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("property: text payloads round-trip", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 5 }), (texts) => {
        const body = encodePayloadV3(
          texts.map((t) => `4${t}`),
          false,
        ) as string;
        const back = decodeTextPayloadV3(body).map((p) => (p.data === undefined ? "" : p.data));
        assert.deepEqual(back, texts);
      }),
      { numRuns: 300 },
    );
  });
});

function fakeRequest(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}

class Sink {
  readonly headers: Record<string, string> = {};
  statusCode = 200;
  ended = false;
  setHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  getHeader(name: string): string | undefined {
    return this.headers[name];
  }
  end(): void {
    this.ended = true;
  }
}

function runCors(
  o: CorsOptions,
  method: string,
  headers: Record<string, string>,
): { sink: Sink; next: unknown } {
  const sink = new Sink();
  let next: unknown = "not called";
  applyCors(o, fakeRequest(method, headers), sink, (err) => {
    next = err;
  });
  return { sink, next };
}

describe("CORS", () => {
  test("default origin is *", () => {
    const { sink, next } = runCors({}, "GET", { origin: "https://a" });
    assert.equal(sink.headers["Access-Control-Allow-Origin"], "*");
    assert.equal(next, undefined);
  });

  test("fixed origin string adds Vary: Origin", () => {
    const { sink } = runCors({ origin: "https://a" }, "GET", { origin: "https://b" });
    assert.equal(sink.headers["Access-Control-Allow-Origin"], "https://a");
    assert.equal(sink.headers.Vary, "Origin");
  });

  test("origin true reflects the request origin", () => {
    const { sink } = runCors({ origin: true }, "GET", { origin: "https://z" });
    assert.equal(sink.headers["Access-Control-Allow-Origin"], "https://z");
  });

  test("origin function: allow, refuse, error", () => {
    const allow = runCors({ origin: (o, cb) => cb(null, o === "https://ok") }, "GET", {
      origin: "https://ok",
    });
    assert.equal(allow.sink.headers["Access-Control-Allow-Origin"], "https://ok");
    const refuse = runCors({ origin: (_o, cb) => cb(null, false) }, "GET", { origin: "https://no" });
    assert.equal(refuse.sink.headers["Access-Control-Allow-Origin"], undefined);
    assert.equal(refuse.next, undefined);
    const error = runCors({ origin: (_o, cb) => cb(new Error("bad")) }, "GET", { origin: "https://x" });
    assert.ok(error.next instanceof Error);
  });

  test("preflight: methods, allowed/exposed headers, max age, 204", () => {
    const { sink, next } = runCors(
      {
        methods: ["GET", "POST"],
        allowedHeaders: ["x-a"],
        exposedHeaders: "x-b",
        maxAge: 600,
        credentials: true,
      },
      "OPTIONS",
      { origin: "https://a" },
    );
    assert.equal(next, "not called");
    assert.equal(sink.ended, true);
    assert.equal(sink.statusCode, 204);
    assert.deepEqual(sink.headers, {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Methods": "GET,POST",
      "Access-Control-Allow-Headers": "x-a",
      "Access-Control-Max-Age": "600",
      "Access-Control-Expose-Headers": "x-b",
      "Content-Length": "0",
    });
  });
});

describe("cookie", () => {
  test("defaults and attribute order of the `cookie` package", () => {
    assert.equal(
      serializeCookie("abc", resolveCookieOptions(true)!),
      "io=abc; Path=/; HttpOnly; SameSite=Lax",
    );
    assert.equal(resolveCookieOptions(false), null);
    const custom = resolveCookieOptions({
      name: "sid",
      maxAge: 60,
      domain: "x.example",
      secure: true,
      sameSite: "none",
    })!;
    assert.equal(
      serializeCookie("a b", custom),
      "sid=a%20b; Max-Age=60; Domain=x.example; Path=/; HttpOnly; Secure; SameSite=None",
    );
  });
});

describe("Accept-Encoding negotiation", () => {
  test("quality first, then header order; identity when neither is acceptable", () => {
    assert.equal(negotiateEncoding("gzip, deflate, br"), "gzip");
    assert.equal(negotiateEncoding("deflate, gzip"), "deflate");
    assert.equal(negotiateEncoding("gzip;q=0.5, deflate"), "deflate");
    assert.equal(negotiateEncoding("br"), null);
    assert.equal(negotiateEncoding("gzip;q=0"), null);
    assert.equal(negotiateEncoding("*"), "gzip");
    assert.equal(negotiateEncoding(undefined), null);
  });
});

describe("query", () => {
  test("last value wins; no query is empty; malformed escapes survive", () => {
    assert.deepEqual(parseQuery("/p/?EIO=4&transport=polling&t=1&t=2"), {
      EIO: "4",
      transport: "polling",
      t: "2",
    });
    assert.deepEqual(parseQuery("/p/"), {});
    assert.deepEqual(parseQuery("/p/?a=%ZZ"), { a: "%ZZ" });
  });
});

describe("query fast path", () => {
  test("matches URLSearchParams on plain and escaped queries", () => {
    const samples = [
      "/p/?EIO=4&transport=polling&t=Pa1-_x&sid=abc",
      "/p/?a&b=&=c&&d=1=2&a=3",
      "/p/?x=a+b&y=%41%zz&z=%E2%9C%93",
      "/p/?",
      "/p/?k=v#frag",
    ];
    for (const url of samples) {
      const expected: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(url.slice(url.indexOf("?") + 1))) expected[k] = v;
      assert.deepEqual(parseQuery(url), expected, url);
    }
  });

  test("the routing parameters of owned requests read as parseQuery reads them (random queries)", () => {
    const parts = ["EIO", "sid", "transport", "t", "EI", "sids", "=", "&", "4", "x", "%", "+", "polling"];
    const out: EngineParams = { EIO: "stale", transport: "stale", sid: "stale" };
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 5000; i++) {
      let query = "";
      const n = next() % 12;
      for (let j = 0; j < n; j++) query += parts[next() % parts.length];
      const url = next() % 10 === 0 ? "/p/" : `/p/?${query}`;
      const plain = readEngineParams(url, out);
      assert.equal(plain, !(url.includes("%") || url.includes("+")), url);
      if (!plain) continue;
      const full = parseQuery(url);
      assert.deepEqual({ ...out }, { EIO: full.EIO, transport: full.transport, sid: full.sid }, url);
    }
  });
});
