/**
 * Rank correlations for judging a proxy against trained accuracy: Kendall's τ-b and Spearman's ρ
 * (both with ties, as scipy.stats computes them), and a percentile bootstrap interval over the
 * networks. Pure; the bootstrap draws from the seeded {@link Rng}.
 */
import { NasInputError } from './errors.js';
import { Rng } from './rng.js';

function checkPairs(x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw new NasInputError('y', `expected as many values as x (${x.length}), got ${y.length}`);
  if (x.length < 2) throw new NasInputError('x', `expected at least 2 pairs, got ${x.length}`);
  x.forEach((v, i) => {
    if (!Number.isFinite(v) || !Number.isFinite(y[i]!))
      throw new NasInputError(`pairs[${i}]`, `expected finite numbers, got ${v}, ${y[i]}`);
  });
}

/**
 * Kendall's τ-b: (concordant − discordant) / √((n₀ − n₁)(n₀ − n₂)), n₀ = n(n−1)/2 and n₁, n₂ the
 * pairs tied in x and in y. O(n²) — studies rank tens to thousands of networks. NaN when x or y is
 * constant (as scipy).
 */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  checkPairs(x, y);
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  const pairs = (x.length * (x.length - 1)) / 2;
  return (concordant - discordant) / Math.sqrt((pairs - tiedX) * (pairs - tiedY));
}

/** Ranks from 1, ties sharing their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]![1]] = rank;
    start = end + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: the Pearson correlation of the average ranks. NaN when x or y is constant. */
export function spearmanRho(x: readonly number[], y: readonly number[]): number {
  checkPairs(x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

export interface BootstrapInterval {
  /** The statistic on the data as given. */
  value: number;
  /** 2.5th and 97.5th percentiles of the statistic over `reps` resamples of the pairs (NaN resamples dropped). */
  low: number;
  high: number;
}

/**
 * A percentile bootstrap 95 % interval: the pairs are resampled with replacement `reps` times
 * (default 2,000) and the statistic recomputed; the interval's ends are the 2.5th and 97.5th
 * percentiles (linear interpolation between order statistics).
 */
export function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: readonly number[], y: readonly number[]) => number,
  options: { reps?: number; seed?: number } = {},
): BootstrapInterval {
  checkPairs(x, y);
  const rng = new Rng(options.seed ?? 1);
  const values: number[] = [];
  const bx = new Array<number>(x.length);
  const by = new Array<number>(y.length);
  for (let r = 0; r < (options.reps ?? 2000); r++) {
    for (let i = 0; i < x.length; i++) {
      const k = rng.int(x.length);
      bx[i] = x[k]!;
      by[i] = y[k]!;
    }
    const v = statistic(bx, by);
    if (!Number.isNaN(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = q * (values.length - 1);
    const lo = Math.floor(pos);
    return values[lo]! + (values[Math.min(lo + 1, values.length - 1)]! - values[lo]!) * (pos - lo);
  };
  return { value: statistic(x, y), low: at(0.025), high: at(0.975) };
}
