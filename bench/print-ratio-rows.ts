/** The two-line result row of the interleaved hot-path scripts: medians with ratios, then every run. */
import { upperMedian } from "./statistics.js";

/**
 * Prints `name unit impl median (×ratio to the first impl) ...`, then `runs: impl [r1, r2, ...]`.
 * `digits` applies to both lines.
 */
export function printRatioRows(
  name: string,
  unit: string,
  impls: readonly string[],
  results: ReadonlyMap<string, readonly number[]>,
  digits: number,
): void {
  const base = upperMedian(results.get(impls[0]!)!);
  const cells = impls.map((impl, i) => {
    const v = upperMedian(results.get(impl)!);
    return `${impl} ${v.toFixed(digits)}${i > 0 ? ` (×${(v / base).toFixed(2)})` : ""}`;
  });
  console.log(`${name.padEnd(11)} ${unit.padEnd(22)} ${cells.join("   ")}`);
  console.log(
    `${"".padEnd(11)} runs: ${impls
      .map(
        (impl) =>
          `${impl} [${results
            .get(impl)!
            .map((x) => x.toFixed(digits))
            .join(", ")}]`,
      )
      .join("  ")}`,
  );
}
