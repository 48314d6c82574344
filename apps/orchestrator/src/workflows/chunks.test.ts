import { describe, expect, it } from 'vitest';
import { chunksOf, clipRanges, countRanges, fromRanges, toRanges } from '../campaigns/position-ranges.js';
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

describe('position ranges, carved lazily', () => {
  const all = (next: () => Array<[number, number]> | undefined) => {
    const out: Array<Array<[number, number]>> = [];
    for (let chunk = next(); chunk; chunk = next()) out.push(chunk);
    return out;
  };

  it('cut chunks of the asked size across gaps, the last one shorter, every position once and in order', () => {
    const ranges: Array<[number, number]> = [
      [0, 5],
      [7, 9],
      [20, 24],
    ];
    const chunks = all(chunksOf(ranges, 4));
    expect(chunks).toEqual([
      [[0, 4]],
      [
        [4, 5],
        [7, 9],
        [20, 21],
      ],
      [[21, 24]],
    ]);
    expect(chunks.flatMap(fromRanges)).toEqual(fromRanges(ranges));
    expect(all(chunksOf([], 4))).toEqual([]);
  });

  it('clip to a kind’s span and count', () => {
    const ranges: Array<[number, number]> = [
      [0, 5],
      [7, 12],
    ];
    expect(clipRanges(ranges, 3, 9)).toEqual([
      [3, 5],
      [7, 9],
    ]);
    expect(clipRanges(ranges, 12, 20)).toEqual([]);
    expect(countRanges(ranges)).toBe(10);
  });
});
