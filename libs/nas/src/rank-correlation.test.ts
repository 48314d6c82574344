import { describe, expect, it } from 'vitest';
import { NasInputError } from './errors.js';
import { averageRanks, bootstrapInterval, kendallTau, spearmanRho } from './rank-correlation.js';

/**
 * Reference values from scipy 1.17.1 (`scipy.stats.kendalltau(x, y).statistic`, τ-b, and
 * `scipy.stats.spearmanr(x, y).statistic`), printed by this script in a venv
 * (`python3 -m venv v && v/bin/pip install scipy`):
 *
 *   import json, scipy.stats as st
 *   for name, (x, y) in cases.items():
 *     print(json.dumps({'name': name, 'kendall': float(st.kendalltau(x, y).statistic),
 *                       'spearman': float(st.spearmanr(x, y).statistic)}))
 */
const SCIPY = [
  { name: 'no ties', x: [1, 2, 3, 4, 5, 6, 7, 8], y: [2, 1, 4, 3, 6, 5, 8, 7], kendall: 0.7142857142857142, spearman: 0.9047619047619048 },
  {
    name: 'ties in both',
    x: [1, 2, 2, 3, 3, 3, 4, 5, 5, 6],
    y: [3, 1, 2, 2, 5, 4, 6, 6, 7, 5],
    kendall: 0.6099375455928332,
    spearman: 0.7726194123045944,
  },
  {
    name: 'floats, ties in y',
    x: [0.31, 0.12, 0.55, 0.41, 0.47, 0.29, 0.62, 0.18, 0.5, 0.33],
    y: [12, 9, 15, 13, 11, 10, 17, 8, 16, 12],
    kendall: 0.764093177458341,
    spearman: 0.8997002046464955,
  },
  { name: 'reversed', x: [1, 2, 3, 4, 5], y: [50, 40, 30, 20, 10], kendall: -0.9999999999999999, spearman: -0.9999999999999999 },
];

describe('rank correlations against scipy.stats', () => {
  it.each(SCIPY)('$name', ({ x, y, kendall, spearman }) => {
    expect(kendallTau(x, y)).toBeCloseTo(kendall, 14);
    expect(spearmanRho(x, y)).toBeCloseTo(spearman, 14);
  });

  it('gives tied values their average rank', () => {
    expect(averageRanks([10, 20, 20, 5, 20])).toEqual([2, 4, 4, 1, 4]);
  });

  it('is NaN for a constant side, and refuses mismatched or non-finite input naming it', () => {
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearmanRho([1, 2, 3], [4, 4, 4])).toBeNaN();
    expect(() => kendallTau([1, 2], [1])).toThrow(NasInputError);
    expect(() => spearmanRho([1, Number.NaN], [1, 2])).toThrow('pairs[1]: expected finite numbers');
  });
});

describe('bootstrapInterval', () => {
  const x = SCIPY[2]!.x;
  const y = SCIPY[2]!.y;

  it('brackets the statistic, is reproducible from its seed, and narrows with more pairs', () => {
    const a = bootstrapInterval(x, y, kendallTau, { reps: 500, seed: 3 });
    expect(a.value).toBe(kendallTau(x, y));
    expect(a.low).toBeLessThan(a.value);
    expect(a.high).toBeGreaterThan(a.value);
    expect(a.high).toBeLessThanOrEqual(1);
    expect(bootstrapInterval(x, y, kendallTau, { reps: 500, seed: 3 })).toEqual(a);
    expect(bootstrapInterval(x, y, kendallTau, { reps: 500, seed: 4 })).not.toEqual(a);
    // The same relation repeated 8 times: the interval is narrower.
    const wide = bootstrapInterval(
      [...x, ...x, ...x, ...x, ...x, ...x, ...x, ...x],
      [...y, ...y, ...y, ...y, ...y, ...y, ...y, ...y],
      kendallTau,
      {
        reps: 500,
        seed: 3,
      },
    );
    expect(wide.high - wide.low).toBeLessThan(a.high - a.low);
  });

  it('of a perfect ranking is the point 1', () => {
    const r = bootstrapInterval([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12], spearmanRho, { reps: 200 });
    expect(r).toEqual({ value: 1, low: 1, high: 1 });
  });
});
