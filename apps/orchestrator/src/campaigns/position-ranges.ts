/**
 * Job positions as half-open ranges [start, end): how registration reports what is left to run and
 * how simulation chunks travel to activities (v4), so that a chunk of a plain sweep is one pair of
 * numbers in the workflow's history instead of a list as long as the chunk. Pure: the workflow
 * bundle imports it.
 */
import type { PositionRanges } from '../activities/types.js';

/** Appends a position past the ranges' end: it extends the last range when it follows on. */
export function appendPosition(ranges: PositionRanges, position: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last[1] === position) last[1] = position + 1;
  else ranges.push([position, position + 1]);
}

/** Positions → half-open ranges, in order (consecutive positions merge). */
export function toRanges(positions: readonly number[]): PositionRanges {
  const ranges: PositionRanges = [];
  for (const p of positions) appendPosition(ranges, p);
  return ranges;
}

/** The positions an activity was given: as ranges (v4) or as a list (v2). */
export function positionsOf(input: { positions?: number[] | undefined; ranges?: PositionRanges | undefined }): number[] {
  return input.ranges ? fromRanges(input.ranges) : (input.positions ?? []);
}

/** Ranges → positions, in order. */
export function fromRanges(ranges: PositionRanges): number[] {
  const positions: number[] = [];
  for (const [start, end] of ranges) for (let p = start; p < end; p++) positions.push(p);
  return positions;
}

/** How many positions the ranges hold. */
export function countRanges(ranges: PositionRanges): number {
  return ranges.reduce((n, [start, end]) => n + (end - start), 0);
}

/** The part of the ranges inside [from, to). */
export function clipRanges(ranges: PositionRanges, from: number, to: number): PositionRanges {
  const out: PositionRanges = [];
  for (const [start, end] of ranges) {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (s < e) out.push([s, e]);
  }
  return out;
}

/**
 * Successive chunks of `size` positions (the last may be smaller), each as ranges, carved out of
 * `ranges` one call at a time: memory stays that of the ranges, however many positions they hold.
 */
export function chunksOf(ranges: PositionRanges, size: number): () => PositionRanges | undefined {
  let index = 0;
  let at = ranges[0]?.[0] ?? 0;
  return () => {
    const chunk: PositionRanges = [];
    let wanted = size;
    while (wanted > 0 && index < ranges.length) {
      const end = ranges[index]![1];
      const take = Math.min(wanted, end - at);
      chunk.push([at, at + take]);
      wanted -= take;
      at += take;
      if (at === end) at = ranges[++index]?.[0] ?? at;
    }
    return chunk.length ? chunk : undefined;
  };
}
