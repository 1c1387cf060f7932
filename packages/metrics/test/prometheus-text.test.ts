/**
 * The strict exposition-format parser the metrics tests rely on (test-support/prometheus-text.ts): it
 * reads what the format allows and rejects, with a line number, what it does not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrometheusText, seriesValue } from "../../../test-support/prometheus-text.js";

const VALID = [
  "# HELP plexus_sent_bytes_total Bytes with a back\\\\slash and a\\nnewline.",
  "# TYPE plexus_sent_bytes_total counter",
  'plexus_sent_bytes_total{node="a"} 12',
  'plexus_sent_bytes_total{node="b\\"q\\\\\\n"} 1.5e3 1700000000000',
  "",
  "# a plain comment",
  "# TYPE lag gauge",
  "lag NaN",
  "# TYPE h histogram",
  'h_bucket{le="+Inf"} 3',
  "h_sum 4.5",
  "h_count 3",
  "untyped_one -Inf",
  "",
].join("\n");

test("valid exposition: families, types, escapes, NaN/Inf, timestamps, histogram suffixes", () => {
  const families = parsePrometheusText(VALID);
  const sent = families.get("plexus_sent_bytes_total")!;
  assert.equal(sent.type, "counter");
  assert.equal(sent.help, "Bytes with a back\\slash and a\nnewline.");
  assert.equal(seriesValue(families, "plexus_sent_bytes_total", { node: "a" }), 12);
  assert.equal(seriesValue(families, "plexus_sent_bytes_total", { node: 'b"q\\\n' }), 1500);
  assert.ok(Number.isNaN(seriesValue(families, "lag")));
  assert.equal(seriesValue(families, "h_count"), 3);
  assert.equal(families.get("h")!.samples.length, 3);
  assert.equal(seriesValue(families, "untyped_one"), -Infinity);
  assert.equal(families.get("untyped_one")!.type, "untyped");
});

const INVALID: [string, string, RegExp][] = [
  ["no final newline", "a 1", /newline/],
  ["bad metric name", "1abc 1\n", /line 1: invalid metric name/],
  ["bad label name", '# TYPE a gauge\na{__x="1"} 1\n', /line 2: invalid label name/],
  ["unquoted label value", "a{x=1} 1\n", /not quoted/],
  ["bad label escape", 'a{x="\\t"} 1\n', /invalid escape/],
  ["label twice", 'a{x="1",x="2"} 1\n', /twice/],
  ["bad number", "a 1,5\n", /invalid number/],
  ["bad timestamp", "a 1 12.5\n", /invalid timestamp/],
  ["series twice", 'a{x="1"} 1\na{x="1"} 2\n', /line 2: series .* twice/],
  ["TYPE after samples", "a 1\n# TYPE a gauge\n", /TYPE of a after its samples/],
  ["second TYPE", "# TYPE a gauge\n# TYPE a gauge\n", /second TYPE/],
  ["second HELP", "# HELP a x\n# HELP a y\n", /second HELP/],
  ["unknown type", "# TYPE a meter\n", /invalid type/],
  ["family split", '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n', /line 5: .*not contiguous/],
  ["negative counter", "# TYPE a_total counter\na_total -1\n", /negative counter/],
  ["value missing", "a\n", /sample without value/],
  ["extra field", "a 1 2 3\n", /value \[timestamp\]/],
];

for (const [name, text, error] of INVALID) {
  test(`rejected: ${name}`, () => {
    assert.throws(() => parsePrometheusText(text), error);
  });
}
