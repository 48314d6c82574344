import { describe, expect, it } from 'vitest';
import { summarizeSeeds } from './seed-summary.ts';

describe('summarizeSeeds', () => {
  it('gives mean and sample standard deviation (numpy std(ddof=1)) with the range', () => {
    // Python: statistics.stdev([0.40, 0.42, 0.45]) = numpy's std(ddof=1) = 0.02516611478423583, mean 0.42333…
    const s = summarizeSeeds([0.4, 0.42, 0.45]);
    expect(s.mean).toBeCloseTo(0.4233333333, 10);
    expect(s.sd).toBeCloseTo(0.0251661148, 10);
    expect([s.min, s.max, s.seeds, s.measured]).toEqual([0.4, 0.45, 3, 3]);
  });

  it('has no spread for one result and counts runs without one', () => {
    expect(summarizeSeeds([0.5, null])).toEqual({ seeds: 2, measured: 1, mean: 0.5, sd: null, min: 0.5, max: 0.5 });
    expect(summarizeSeeds([null])).toEqual({ seeds: 1, measured: 0, mean: null, sd: null, min: null, max: null });
  });
});
