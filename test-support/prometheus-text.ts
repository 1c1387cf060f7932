/**
 * A strict parser of the Prometheus text exposition format, version 0.0.4 (what `/metrics` serves with
 * `Content-Type: text/plain; version=0.0.4`). prom-client only writes the format, so the metrics tests
 * check its output with this: any line the format does not allow throws with its line number.
 * Checked: metric and label names, label value escapes (`\\`, `\"`, `\n` only), numbers (Go float
 * syntax, `NaN`, `+Inf`, `-Inf`), optional integer timestamps, at most one HELP and one TYPE per family,
 * TYPE before the family's samples, families contiguous, no series twice, no duplicate label in a series,
 * counters never negative, sample names allowed by the family's type (`_sum`/`_count`/`_bucket`), and a
 * final newline. Test code only: never imported from `src/`.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  help: string | undefined;
  type: MetricType;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf)$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

class ParseError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

function parseNumber(text: string, line: number): number {
  if (text === "NaN") return Number.NaN;
  if (!NUMBER.test(text)) throw new ParseError(line, `invalid number ${JSON.stringify(text)}`);
  if (text.endsWith("Inf")) return text.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** HELP text escapes: `\\` and `\n` only. */
function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    throw new ParseError(line, `invalid escape \\${c} in HELP`);
  });
}

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = Object.create(null);
  let i = start + 1;
  for (;;) {
    if (text[i] === "}") return [labels, i + 1];
    const eq = text.indexOf("=", i);
    if (eq === -1) throw new ParseError(line, "label without '='");
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith("__"))
      throw new ParseError(line, `invalid label name ${name}`);
    if (name in labels) throw new ParseError(line, `label ${name} twice`);
    if (text[eq + 1] !== '"') throw new ParseError(line, `label ${name}: value not quoted`);
    let value = "";
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new ParseError(line, `label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === "\\") {
        const e = text[j + 1];
        if (e === "\\" || e === '"') value += e;
        else if (e === "n") value += "\n";
        else throw new ParseError(line, `label ${name}: invalid escape \\${e ?? ""}`);
        j += 2;
        continue;
      }
      if (c === "\n") throw new ParseError(line, `label ${name}: raw newline`);
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new ParseError(line, `expected ',' or '}' after label ${name}`);
  }
}

/** The family a sample name belongs to, given the declared families (histogram/summary suffixes). */
function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const exact = families.get(name);
  if (exact !== undefined) return exact;
  for (const suffix of ["_sum", "_count", "_bucket"]) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (family === undefined) continue;
    if (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket")) return family;
  }
  return undefined;
}

/** Parses a whole exposition; throws on the first violation. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  const families = new Map<string, MetricFamily>();
  const seriesSeen = new Set<string>();
  /** Families whose samples are over (another family's samples came after them). */
  const closed = new Set<string>();
  const typed = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (m === null) return; // a plain comment
      const [, kind, name, rest = ""] = m as unknown as [string, string, string, string | undefined];
      if (!METRIC_NAME.test(name)) throw new ParseError(line, `invalid metric name ${name}`);
      let family = families.get(name);
      if (family !== undefined && (closed.has(name) || family.samples.length > 0) && kind === "TYPE") {
        throw new ParseError(line, `TYPE of ${name} after its samples`);
      }
      if (family === undefined) {
        family = { name, help: undefined, type: "untyped", samples: [] };
        families.set(name, family);
      }
      if (current !== undefined && current !== family) closed.add(current.name);
      current = family;
      if (kind === "HELP") {
        if (family.help !== undefined) throw new ParseError(line, `second HELP for ${name}`);
        family.help = unescapeHelp(rest, line);
      } else {
        if (typed.has(name)) throw new ParseError(line, `second TYPE for ${name}`);
        if (!TYPES.has(rest as MetricType)) throw new ParseError(line, `invalid type ${rest}`);
        family.type = rest as MetricType;
        typed.add(name);
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new ParseError(line, "sample without value");
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new ParseError(line, `invalid metric name ${name}`);
    let labels: Record<string, string> = Object.create(null);
    let i = nameEnd;
    if (raw[i] === "{") [labels, i] = parseLabels(raw, i, line);
    if (raw[i] !== " ") throw new ParseError(line, "expected a space before the value");
    const parts = raw.slice(i + 1).split(" ");
    if (parts.length > 2 || parts[0] === "") throw new ParseError(line, "expected `value [timestamp]`");
    const value = parseNumber(parts[0]!, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new ParseError(line, "invalid timestamp");
    let family = familyOf(name, families);
    if (family === undefined) {
      family = { name, help: undefined, type: "untyped", samples: [] };
      families.set(name, family);
    }
    if (closed.has(family.name)) throw new ParseError(line, `samples of ${family.name} are not contiguous`);
    if (current !== undefined && current !== family) closed.add(current.name);
    current = family;
    if (family.type === "counter" && !(value >= 0)) throw new ParseError(line, `negative counter ${name}`);
    const key = `${name}{${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`)
      .join(",")}}`;
    if (seriesSeen.has(key)) throw new ParseError(line, `series ${key} twice`);
    seriesSeen.add(key);
    family.samples.push({ name, labels, value });
  });
  return families;
}

/**
 * The value of the series `name` whose labels include `labels` (exactly one must match), from a parsed
 * exposition.
 */
export function seriesValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const family = familyOf(name, families);
  if (family === undefined) throw new Error(`no metric ${name}`);
  const matches = family.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length !== 1) {
    throw new Error(`${matches.length} series of ${name} match ${JSON.stringify(labels)}`);
  }
  return matches[0]!.value;
}
