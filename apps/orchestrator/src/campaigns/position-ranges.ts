/**
 * Job positions as half-open ranges [start, end): how registration reports what is left to run and
 * how simulation chunks travel to activities (v4), so that a chunk of a plain sweep is one pair of
 * numbers in the workflow's history instead of a list as long as the chunk. Pure: the workflow
 * bundle imports it.
 */
import type { PositionRanges } from '../activities/types.js';

/** Positions → half-open ranges, in order (consecutive positions merge). */
export function toRanges(positions: readonly number[]): PositionRanges {
  const ranges: PositionRanges = [];
  for (const p of positions) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === p) last[1] = p + 1;
    else ranges.push([p, p + 1]);
  }
  return ranges;
}

/** Ranges → positions, in order. */
export function fromRanges(ranges: PositionRanges): number[] {
  const positions: number[] = [];
  for (const [start, end] of ranges) for (let p = start; p < end; p++) positions.push(p);
  return positions;
}
