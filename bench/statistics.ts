/** Small statistics helpers for benchmark numbers. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Added amount per unit between two points of a curve (e.g. bytes per connection from 10k to 19k). */
export function slope(x0: number, y0: number, x1: number, y1: number): number {
  return x1 === x0 ? Number.NaN : (y1 - y0) / (x1 - x0);
}

/**
 * The element at index `length >> 1` of the sorted values: the median for odd counts, the upper of the
 * two middle values for even counts (the hot-path scripts print this, so round counts keep their meaning).
 */
export function upperMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
