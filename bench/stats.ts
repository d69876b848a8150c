// Summaries of repeated measurements: the median and the 10th and 90th percentiles, so a figure
// says how much it moved between runs as well as where it sits.
export interface Spread {
  median: number;
  p10: number;
  p90: number;
  /** How many runs (or rounds) the summary is over. */
  n: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function spread(xs: readonly number[]): Spread {
  if (!xs.length) throw new Error('no measurements to summarise');
  for (const x of xs) if (!Number.isFinite(x)) throw new Error(`a measurement is not a finite number: ${x}`);
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), n: s.length };
}

/** A value computed once (a byte count): no spread. */
export function exact(x: number): Spread {
  return { median: x, p10: x, p90: x, n: 1 };
}

/** Per-round ratios a[i] / b[i] of two contenders measured in the same round. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error('contenders were not measured in the same rounds');
  return a.map((x, i) => x / b[i]!);
}

export function median(xs: readonly number[]): number {
  return spread(xs).median;
}
