import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff } from "../src/backoff.js";

describe("Backoff", () => {
  it("doubles from min up to max without jitter", () => {
    const b = new Backoff(100, 1000, 0);
    assert.deepEqual(
      [b.duration(), b.duration(), b.duration(), b.duration(), b.duration()],
      [100, 200, 400, 800, 1000],
    );
    assert.equal(b.attempts, 5);
  });

  it("stays within ±jitter of the exponential delay", () => {
    const b = new Backoff(1000, 1e9, 0.5);
    for (let i = 0; i < 8; i++) {
      const base = 1000 * 2 ** i;
      const d = b.duration();
      assert.ok(d >= base * 0.5 && d <= base * 1.5, `${d} for attempt ${i}`);
    }
  });

  it("starts over after reset", () => {
    const b = new Backoff(50, 500, 0);
    b.duration();
    b.duration();
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.duration(), 50);
  });
});
