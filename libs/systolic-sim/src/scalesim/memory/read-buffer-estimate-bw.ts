/**
 * SCALE-Sim v2's CALC-mode read buffers (`scalesim/memory/read_buffer_estimate_bw.py`): the DRAM reads
 * of the IFMAP and FILTER buffers, which never stall in this mode. Facts ported, none of its code.
 *
 * CALC interface bandwidth (SCALE-Sim's configs): the read buffers never stall and only count DRAM
 * reads. A buffer of `words` words groups the distinct addresses it is asked for into sets of
 * floor(words / 100); an address in a completed set of the current 50, or in the set being filled,
 * is a hit; any other is one DRAM read and joins the set being filled; when 50 sets are full they
 * are handed over and forgotten. So it is a cache of 50 · floor(words / 100) distinct addresses,
 * cleared whenever it fills, and the DRAM reads are its misses over the demand stream.
 *
 * Here only the address stream is replayed, with typed arrays, and passes that repeat an earlier
 * one exactly are extrapolated.
 */
import type { FoldPlan, ScaleSimLayerDims } from '../compute.js';
import { filterBlock, forEachOutsideRun, ifmapBlock, ifmapFootprint, operandGeometry, type DemandBlock } from '../operands.js';
import { checkSpace } from './address-space.js';

/** Distinct addresses a CALC-mode read buffer holds before it is cleared (∞ when a set would be empty). */
export function readBufferCapacity(words: number): number {
  const perSet = Math.floor(words / 100);
  return perSet === 0 ? Infinity : 50 * perSet;
}

class ClearingCache {
  /** Epoch in which an address was last read; -1 marks addresses that are never requested. */
  readonly stamp: Int32Array;
  epoch = 1;
  size = 0;
  flushes = 0;
  /** Words requested so far (hits included) and the request count at the last clear. */
  position = 0;
  lastClear = -1;
  /** Misses of passes that were not replayed because they repeat an earlier one exactly. */
  extrapolated = 0;

  constructor(
    space: number,
    readonly cap: number,
    operand: string,
  ) {
    checkSpace(space, operand);
    this.stamp = new Int32Array(space);
  }

  get misses(): number {
    return (this.flushes === 0 ? this.size : this.flushes * this.cap + this.size) + this.extrapolated;
  }

  /** A block that is known to be all hits: only the position moves. */
  skip(block: DemandBlock): void {
    this.position += block.tN * block.cN;
  }

  /** Reads a fold's block in demand order (lines, then columns left to right). */
  replay(block: DemandBlock): void {
    const { a, b, cN, tN } = block;
    const stamp = this.stamp;
    const cap = this.cap;
    let epoch = this.epoch;
    let size = this.size;
    let n = this.position;
    let lastClear = this.lastClear;
    if (block.skewed) {
      for (let d = 0; d < tN + cN - 1; d++) {
        const lo = d - tN + 1 > 0 ? d - tN + 1 : 0;
        const hi = d < cN - 1 ? d : cN - 1;
        for (let c = lo; c <= hi; c++, n++) {
          const addr = a[c]! + b[d - c]!;
          const mark = stamp[addr]!;
          if (mark !== epoch && mark >= 0) {
            stamp[addr] = epoch;
            if (++size === cap) {
              epoch++;
              size = 0;
              lastClear = n;
            }
          }
        }
      }
    } else {
      for (let t = tN - 1; t >= 0; t--) {
        const base = b[t]!;
        for (let c = 0; c < cN; c++, n++) {
          const addr = a[c]! + base;
          const mark = stamp[addr]!;
          if (mark !== epoch && mark >= 0) {
            stamp[addr] = epoch;
            if (++size === cap) {
              epoch++;
              size = 0;
              lastClear = n;
            }
          }
        }
      }
    }
    this.flushes += epoch - this.epoch;
    this.epoch = epoch;
    this.size = size;
    this.position = n;
    this.lastClear = lastClear;
  }

  /**
   * Replays `count` identical passes over the same request stream. After a pass without a clear,
   * every word of the stream is held, so later passes are all hits. After a clear the buffer's
   * content is fixed by where in the stream the last clear fell; when two passes in a row end with
   * their last clear at the same place, every later pass repeats the last one exactly.
   */
  passes(count: number, pass: () => void): void {
    let previousClear = -1;
    for (let k = 0; k < count; k++) {
      const start = this.position;
      const flushes = this.flushes;
      const misses = this.misses;
      pass();
      if (this.flushes === flushes) return;
      const clearAt = this.lastClear - start;
      if (clearAt === previousClear) {
        this.extrapolated += (count - 1 - k) * (this.misses - misses);
        return;
      }
      previousClear = clearAt;
    }
  }
}

/**
 * One pass over the row folds fr = 0 … of a column fold, for operands whose block depends on fr
 * only. A fold whose block was read entirely since the last clear is all hits and is skipped.
 */
function rowFoldPass(cache: ClearingCache, plan: FoldPlan, blockOf: (fr: number) => DemandBlock, seen: Map<number, number>): void {
  for (let fr = 0; fr < plan.rowFolds; fr++) {
    const block = blockOf(fr);
    if (seen.get(fr) === cache.flushes) {
      cache.skip(block);
      continue;
    }
    const before = cache.flushes;
    cache.replay(block);
    if (cache.flushes === before) seen.set(fr, before);
  }
}

export function calcIfmapDramReads(dims: ScaleSimLayerDims, plan: FoldPlan, words: number): number {
  const cap = readBufferCapacity(words);
  const distinct = ifmapFootprint(dims, plan);
  if (distinct < cap) return distinct; // never cleared: every word is read once
  const geo = operandGeometry(dims, plan);
  const cache = new ClearingCache(geo.frame.size, cap, 'ifmap');
  forEachOutsideRun(dims, geo.frame, (start, end) => cache.stamp.fill(-1, start, end));
  if (plan.dataflow === 'is') {
    // Every fold reads its own block of the operand.
    for (let fc = 0; fc < plan.colFolds; fc++) {
      for (let fr = 0; fr < plan.rowFolds; fr++) cache.replay(ifmapBlock(plan, geo, fc, fr));
    }
  } else {
    // os and ws read the same row-fold blocks again in every column fold.
    const seen = new Map<number, number>();
    cache.passes(plan.colFolds, () => rowFoldPass(cache, plan, (fr) => ifmapBlock(plan, geo, 0, fr), seen));
  }
  return cache.misses;
}

export function calcFilterDramReads(plan: FoldPlan, words: number): number {
  const cap = readBufferCapacity(words);
  const total = plan.window * plan.filters;
  if (total < cap) return total;
  // ws reads every filter word exactly once: every read misses.
  if (plan.dataflow === 'ws') return total;
  const cache = new ClearingCache(total, cap, 'filter');
  if (plan.dataflow === 'os') {
    // Column fold fc reads its filters' block once per row fold.
    for (let fc = 0; fc < plan.colFolds; fc++) {
      const block = filterBlock(plan, fc, 0);
      cache.passes(plan.rowFolds, () => cache.replay(block));
    }
  } else {
    // is: the row-fold blocks again in every column fold.
    const seen = new Map<number, number>();
    cache.passes(plan.colFolds, () => rowFoldPass(cache, plan, (fr) => filterBlock(plan, 0, fr), seen));
  }
  return cache.misses;
}
