/**
 * SCALE-Sim v2's USER-mode read buffers (`scalesim/memory/read_buffer.py`): prefetching IFMAP and
 * FILTER buffers that stall the array when a word is not in their active half. Facts ported, none
 * of its code.
 *
 * USER interface bandwidth: a read buffer knows the operand's fetch order (the prefetch matrix) and
 * cuts the valid words of it, in order, into ceil(words / 100)-word sets. The active half holds
 * ceil(half / set) consecutive sets (circularly); before the first read it fetches ceil(half / bw)
 * lines of bw words, finishing the cycle before. A word not in an active set makes the buffer move
 * the active window by ceil(half / set) sets and fetch ceil(half / bw) more lines, ready
 * ceil(half / bw) + 1 cycles after the previous fetch; the line stalls until then. It repeats until
 * the word is active. DRAM reads are the words of all fetched lines, padding included.
 */
import type { DemandBlock, FetchMatrix } from '../operands.js';
import { forEachFetched } from '../operands.js';
import { checkSpace } from './address-space.js';

export class UserReadBuffer {
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

  constructor(
    words: number,
    bw: number,
    fm: FetchMatrix,
    space: number,
    operand: string,
    private readonly outside?: Uint8Array,
  ) {
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
