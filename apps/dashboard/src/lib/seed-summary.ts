/**
 * One network's final accuracies over its seeds, as a researcher reports them: mean ± sample
 * standard deviation (n − 1, as the READMEs' study tables and numpy's `std(ddof=1)`), with the
 * range. Runs without a result (failed, still training) are left out of the figures but counted, so
 * "3 seeds, 2 with a result" is visible rather than averaged away.
 */
export interface SeedSummary {
  /** Runs in the group. */
  seeds: number;
  /** Runs with a result (the figures are over these). */
  measured: number;
  mean: number | null;
  /** null below two results: one run has no spread to show. */
  sd: number | null;
  min: number | null;
  max: number | null;
}

export function summarizeSeeds(values: ReadonlyArray<number | null>): SeedSummary {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { seeds: values.length, measured: 0, mean: null, sd: null, min: null, max: null };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = xs.length < 2 ? null : Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
  return { seeds: values.length, measured: xs.length, mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}
