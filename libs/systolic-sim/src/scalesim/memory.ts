/**
 * SCALE-Sim v2's memory model (`scalesim/memory/*`: double_buffered_scratchpad_mem, read_buffer,
 * read_buffer_estimate_bw, write_buffer), compacted. Facts ported from SCALE-Sim (none of its code):
 *
 * Demand: every fold is a block of lines (one per stall-free cycle); each line holds the IFMAP and
 * FILTER words the array reads and the OFMAP words it writes in that cycle. A line's stall is the
 * largest of the three buffers' stalls; it delays every later line. Total cycles = lines − 1 + stalls.
 *
 * CALC interface bandwidth (SCALE-Sim's configs): the read buffers never stall and only count DRAM
 * reads. A buffer of `words` words groups the distinct addresses it is asked for into sets of
 * floor(words / 100); an address in a completed set of the current 50, or in the set being filled,
 * is a hit; any other is one DRAM read and joins the set being filled; when 50 sets are full they
 * are handed over and forgotten. So it is a cache of 50 · floor(words / 100) distinct addresses,
 * cleared whenever it fills, and the DRAM reads are its misses over the demand stream.
 *
 * USER interface bandwidth: a read buffer knows the operand's fetch order (the prefetch matrix) and
 * cuts the valid words of it, in order, into ceil(words / 100)-word sets. The active half holds
 * ceil(half / set) consecutive sets (circularly); before the first read it fetches ceil(half / bw)
 * lines of bw words, finishing the cycle before. A word not in an active set makes the buffer move
 * the active window by ceil(half / set) sets and fetch ceil(half / bw) more lines, ready
 * ceil(half / bw) + 1 cycles after the previous fetch; the line stalls until then. It repeats until
 * the word is active. DRAM reads are the words of all fetched lines, padding included.
 *
 * Write buffer (OFMAP), both modes: half of it is the drain buffer. Output words are appended to
 * lines of `bw` words (bw = array columns in CALC mode, the user bandwidth in USER mode). When, at a
 * cycle at or after the end of the previous drain, more than half the buffer is occupied, the partly
 * filled line is closed and ceil(half / bw) lines are drained, one per cycle; the words counted are
 * those lines times bw less the empty slots of the last line only (a partly filled line inside a
 * drain counts full, in the DRAM writes and in the freed space). While a drain is in progress and
 * the buffer is full, the array stalls until the drain ends. What is left is drained at the end.
 *
 * Here nothing is materialised: the write buffer advances a whole fold at once when no drain can
 * start inside it; the read buffers replay only the address stream, with typed arrays.
 */
import { InputError } from '../errors.js';
import type { FoldPlan, ScaleSimLayerDims } from './compute.js';
import {
  filterBlock,
  filterFetch,
  forEachFetched,
  forEachOutsideRun,
  ifmapBlock,
  ifmapFetch,
  ifmapFootprint,
  ofmapBlock,
  operandGeometry,
  type DemandBlock,
  type FetchMatrix,
} from './operands.js';

export type InterfaceMode = 'CALC' | 'USER';

export interface MemoryParams {
  mode: InterfaceMode;
  /** SRAM sizes in words. */
  ifmapWords: number;
  filterWords: number;
  ofmapWords: number;
  /** Words per cycle of every DRAM interface in USER mode. */
  userBandwidth: number;
}

export interface MemoryReport {
  totalCycles: number;
  stallCycles: number;
  dramIfmapReads: number;
  dramFilterReads: number;
  dramOfmapWrites: number;
}

/** Largest operand address space replayed with typed arrays (4 bytes per word). */
const MAX_ADDRESS_SPACE = 2 ** 27;

function checkSpace(space: number, operand: string): void {
  if (space > MAX_ADDRESS_SPACE) {
    throw new InputError(operand, `operand of ${space} words is too large for the scalesim model (limit ${MAX_ADDRESS_SPACE})`);
  }
}

/** Distinct addresses a CALC-mode read buffer holds before it is cleared (∞ when a set would be empty). */
export function readBufferCapacity(words: number): number {
  const perSet = Math.floor(words / 100);
  return perSet === 0 ? Infinity : 50 * perSet;
}

// ---------------------------------------------------------------------------------------------
// CALC mode read buffers: a cache of `cap` distinct addresses, cleared when full.

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

function calcIfmapDramReads(dims: ScaleSimLayerDims, plan: FoldPlan, words: number): number {
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

function calcFilterDramReads(plan: FoldPlan, words: number): number {
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

// ---------------------------------------------------------------------------------------------
// USER mode read buffers.

class UserReadBuffer {
  /** Sets, active sets, sets moved per prefetch. */
  private readonly sets: number;
  private readonly activeSets: number;
  private readonly moveSets: number;
  private readonly prefetchLines: number;
  private readonly bw: number;
  /** No word can miss (the active window holds every set). */
  readonly allActive: boolean;
  /** Sets holding each address (CSR). */
  private readonly first: Int32Array = new Int32Array(0);
  private readonly setIds: Int32Array = new Int32Array(0);
  private windowStart = 0;
  /** Cycle the last fetch completes. */
  private lastFetch: number;
  dramReads: number;

  constructor(words: number, bw: number, fm: FetchMatrix, space: number, operand: string, private readonly outside?: Uint8Array) {
    checkSpace(space, operand);
    this.bw = bw;
    const perSet = Math.ceil(words / 100);
    const active = Math.ceil(words * 0.5);
    const prefetch = words - active;

    let valid = 0;
    forEachFetched(fm, () => valid++);
    this.sets = Math.floor(valid / perSet) + 1;
    this.activeSets = Math.min(Math.ceil(active / perSet), this.sets);
    this.moveSets = Math.min(Math.ceil(prefetch / perSet), this.sets - this.activeSets);
    this.allActive = this.activeSets >= this.sets;

    const fetchLines = Math.ceil((fm.rows * fm.width) / bw);
    let initialLines = Math.ceil(active / bw);
    if (!(initialLines < fetchLines)) initialLines = fetchLines;
    this.dramReads = initialLines * bw;
    this.prefetchLines = Math.ceil(prefetch / bw);
    // The first read is at cycle 0; the initial fetch completes at cycle -1.
    this.lastFetch = -1;

    if (!this.allActive) {
      // Which sets hold each address: set of the k-th valid word = floor(k / perSet).
      const count = new Int32Array(space + 1);
      const lastSet = new Int32Array(space);
      let k = 0;
      forEachFetched(fm, (addr) => {
        const set = Math.floor(k++ / perSet) + 1;
        if (lastSet[addr] !== set) {
          lastSet[addr] = set;
          count[addr + 1]!++;
        }
      });
      for (let i = 0; i < space; i++) count[i + 1]! += count[i]!;
      const setIds = new Int32Array(count[space]!);
      const fill = count.slice(0, space);
      lastSet.fill(0);
      k = 0;
      forEachFetched(fm, (addr) => {
        const set = Math.floor(k++ / perSet) + 1;
        if (lastSet[addr] !== set) {
          lastSet[addr] = set;
          setIds[fill[addr]!++] = set - 1;
        }
      });
      this.first = count;
      this.setIds = setIds;
    }
  }

  private active(addr: number): boolean {
    const { first, setIds, sets, activeSets, windowStart } = this;
    const end = first[addr + 1]!;
    for (let j = first[addr]!; j < end; j++) {
      let rel = setIds[j]! - windowStart;
      if (rel < 0) rel += sets;
      if (rel < activeSets) return true;
    }
    if (end === first[addr]) throw new Error(`scalesim: address ${addr} is not in the fetch order`);
    return false;
  }

  /** Serves line q of a fold's block at `cycle`; returns the line's stall. */
  serve(block: DemandBlock, q: number, cycle: number): number {
    if (this.allActive) return 0;
    let lo: number;
    let hi: number;
    let t: number;
    if (block.skewed) {
      t = q - block.off;
      lo = t - block.tN + 1 > 0 ? t - block.tN + 1 : 0;
      hi = t < block.cN - 1 ? t : block.cN - 1;
    } else {
      t = block.off - q;
      if (t < 0 || t >= block.tN) return 0;
      lo = 0;
      hi = block.cN - 1;
    }
    const { a, b } = block;
    const outside = this.outside;
    let offset = 1; // hit latency
    for (let c = lo; c <= hi; c++) {
      const addr = a[c]! + b[block.skewed ? t - c : t]!;
      if (outside !== undefined && outside[addr] === 1) continue;
      while (!this.active(addr)) {
        this.windowStart = (this.windowStart + this.moveSets) % this.sets;
        this.dramReads += this.prefetchLines * this.bw;
        this.lastFetch += this.prefetchLines + 1;
        const stall = this.lastFetch - (cycle + offset);
        if (stall > 0) offset += stall;
      }
    }
    return offset - 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Write buffer.

class WriteBuffer {
  private readonly active: number;
  private readonly drainLines: number;
  private free: number;
  /** Words in the line being filled. */
  private lineFill = 0;
  /** Lines written and not yet drained, run-length coded: [count, fill] pairs from pair `head`. */
  private runs: number[] = [];
  private head = 0;
  private pendingLines = 0;
  drainEnd = 0;
  dramWrites = 0;

  constructor(
    total: number,
    private readonly bw: number,
  ) {
    this.active = Math.ceil(total * 0.5);
    this.drainLines = Math.ceil((total - this.active) / bw);
    this.free = total;
  }

  /** Whether `n` more words certainly start no drain and cause no stall. */
  quiet(n: number): boolean {
    return this.free - n >= this.active;
  }

  private pushLines(count: number, fill: number): void {
    if (count <= 0) return;
    const runs = this.runs;
    const last = runs.length - 2;
    if (last >= this.head * 2 && runs[last + 1] === fill) runs[last] = runs[last]! + count;
    else runs.push(count, fill);
    this.pendingLines += count;
  }

  /** Stores n words, with no drain or stall among them. */
  store(n: number): void {
    this.free -= n;
    const fill = this.lineFill + n;
    const full = Math.floor(fill / this.bw);
    this.lineFill = fill - full * this.bw;
    this.pushLines(full, this.bw);
  }

  private closeLine(): void {
    if (this.lineFill !== 0) {
      this.pushLines(1, this.lineFill);
      this.lineFill = 0;
    }
  }

  /** Drains up to ceil(half / bw) lines from `cycle`; returns the cycle of the last one. */
  private drain(cycle: number): number {
    const lines = Math.min(this.drainLines, this.pendingLines);
    let want = lines;
    let lastFill = this.bw;
    const runs = this.runs;
    while (want > 0) {
      const i = this.head * 2;
      const count = runs[i]!;
      lastFill = runs[i + 1]!;
      if (count <= want) {
        want -= count;
        this.head++;
      } else {
        runs[i] = count - want;
        want = 0;
      }
    }
    if (this.head > 1024 && this.head * 4 > runs.length) {
      this.runs = runs.slice(this.head * 2);
      this.head = 0;
    }
    this.pendingLines -= lines;
    const words = (lines - 1) * this.bw + lastFill;
    this.free += words;
    this.dramWrites += words;
    return cycle + lines - 1;
  }

  /** Writes one demand line of n words arriving at `cycle`; returns the stall it causes. */
  writeLine(n: number, cycle: number): number {
    let cur = cycle;
    let left = n;
    while (left > 0) {
      if (cur < this.drainEnd) {
        // A drain is in progress: stall until it ends when the buffer is full.
        const j = this.free > 1 ? this.free : 1;
        if (j > left) {
          this.store(left);
          break;
        }
        this.store(j);
        left -= j;
        cur = this.drainEnd;
      } else {
        // Start a drain as soon as more than half is occupied.
        const j = this.free - this.active + 1 > 1 ? this.free - this.active + 1 : 1;
        if (j > left) {
          this.store(left);
          break;
        }
        this.store(j);
        left -= j;
        this.closeLine();
        this.drainEnd = this.drain(cur);
      }
    }
    return cur - cycle;
  }

  /** Drains everything left at the end of the layer. */
  flush(cycle: number): void {
    this.closeLine();
    let c = cycle;
    while (this.pendingLines > 0) {
      this.drainEnd = this.drain(c);
      c = this.drainEnd + 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** Cycles, stalls and DRAM traffic of one layer. */
export function memoryReport(dims: ScaleSimLayerDims, plan: FoldPlan, params: MemoryParams): MemoryReport {
  const user = params.mode === 'USER';
  const writer = new WriteBuffer(params.ofmapWords, user ? params.userBandwidth : plan.C);

  let ifReader: UserReadBuffer | undefined;
  let filterReader: UserReadBuffer | undefined;
  const geo = user ? operandGeometry(dims, plan) : undefined;
  if (geo) {
    const outside = new Uint8Array(geo.frame.size);
    forEachOutsideRun(dims, geo.frame, (start, end) => outside.fill(1, start, end));
    ifReader = new UserReadBuffer(params.ifmapWords, params.userBandwidth, ifmapFetch(plan, geo, outside), geo.frame.size, 'ifmap', outside);
    filterReader = new UserReadBuffer(params.filterWords, params.userBandwidth, filterFetch(plan), plan.window * plan.filters, 'filter');
  }
  const readsStall = geo !== undefined && !(ifReader?.allActive && filterReader?.allActive);

  const L = plan.linesPerFold;
  let line = 0;
  let stalls = 0;
  for (let fc = 0; fc < plan.colFolds; fc++) {
    for (let fr = 0; fr < plan.rowFolds; fr++) {
      const { a, h, w } = ofmapBlock(plan, fc, fr);
      if (readsStall && geo && ifReader && filterReader) {
        const ib = ifmapBlock(plan, geo, fc, fr);
        const fb = filterBlock(plan, fc, fr);
        for (let q = 0; q < L; q++) {
          const cycle = line + q + stalls;
          const si = ifReader.serve(ib, q, cycle);
          const sf = filterReader.serve(fb, q, cycle);
          // OFMAP line q holds columns c with a ≤ q - c ≤ a + h - 1.
          const n = Math.min(w - 1, q - a) - Math.max(0, q - a - h + 1) + 1;
          const so = n > 0 ? writer.writeLine(n, cycle) : 0;
          stalls += Math.max(si, sf, so);
        }
      } else if (writer.quiet(h * w)) {
        writer.store(h * w);
      } else {
        for (let q = a; q <= a + h + w - 2; q++) {
          const n = Math.min(w - 1, q - a) - Math.max(0, q - a - h + 1) + 1;
          stalls += writer.writeLine(n, line + q + stalls);
        }
      }
      line += L;
    }
  }
  // The final drain starts when the last demand line has been served.
  writer.flush(line - 1 + stalls);

  return {
    totalCycles: line - 1 + stalls,
    stallCycles: stalls,
    dramIfmapReads: ifReader ? ifReader.dramReads : calcIfmapDramReads(dims, plan, params.ifmapWords),
    dramFilterReads: filterReader ? filterReader.dramReads : calcFilterDramReads(plan, params.filterWords),
    dramOfmapWrites: writer.dramWrites,
  };
}
