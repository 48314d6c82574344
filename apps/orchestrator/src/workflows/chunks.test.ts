import { describe, expect, it } from 'vitest';
import { fromRanges, toRanges } from '../campaigns/position-ranges.js';
import { MAX_SIM_BATCH, MAX_SIM_CHUNKS, simBatchSize } from './campaign.js';

describe('simulation chunks', () => {
  it('spread the jobs over the lanes, at most MAX_SIM_BATCH each (v2 and v4 alike below the bound)', () => {
    expect(simBatchSize(150, 4)).toBe(38);
    expect(simBatchSize(100_000, 16)).toBe(MAX_SIM_BATCH);
    expect(simBatchSize(100_000, 16, undefined, MAX_SIM_CHUNKS)).toBe(MAX_SIM_BATCH);
    expect(simBatchSize(150, 1, 5)).toBe(5);
  });

  it('grow instead of multiplying past MAX_SIM_BATCH × MAX_SIM_CHUNKS jobs (v4), a requested size included', () => {
    const jobs = 5_000_000;
    const size = simBatchSize(jobs, 16, undefined, MAX_SIM_CHUNKS);
    expect(size).toBe(2500);
    expect(Math.ceil(jobs / size)).toBe(MAX_SIM_CHUNKS);
    expect(simBatchSize(150, 4, 5, 1)).toBe(150);
    // v2 (no bound) kept its sizes: recorded histories replay with them.
    expect(simBatchSize(jobs, 16)).toBe(MAX_SIM_BATCH);
  });

  it('travel as ranges: a plain run is one pair, gaps (reused jobs) split it, and the positions come back in order', () => {
    expect(toRanges([0, 1, 2, 3])).toEqual([[0, 4]]);
    expect(toRanges([0, 1, 3, 4, 7])).toEqual([
      [0, 2],
      [3, 5],
      [7, 8],
    ]);
    expect(toRanges([])).toEqual([]);
    const positions = [2, 3, 4, 10, 11, 40];
    expect(fromRanges(toRanges(positions))).toEqual(positions);
  });
});
