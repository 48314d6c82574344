/**
 * SCALE-Sim v2's memory model (`scalesim/memory/double_buffered_scratchpad_mem.py` and the buffers
 * it drives), laid out as SCALE-Sim's is: the CALC-mode read buffers in
 * memory/read-buffer-estimate-bw.ts, the USER-mode read buffers in memory/read-buffer.ts, the
 * OFMAP write buffer in memory/write-buffer.ts; this file is the scratchpad that runs a layer's
 * demand through them. Facts ported from SCALE-Sim (none of its code):
 *
 * Demand: every fold is a block of lines (one per stall-free cycle); each line holds the IFMAP and
 * FILTER words the array reads and the OFMAP words it writes in that cycle. A line's stall is the
 * largest of the three buffers' stalls; it delays every later line. Total cycles = lines − 1 + stalls.
 *
 * CALC interface bandwidth (SCALE-Sim's configs): the read buffers never stall and only count DRAM
 * reads (read-buffer-estimate-bw.ts). USER interface bandwidth: they prefetch and may stall
 * (read-buffer.ts). The write buffer may stall in both (write-buffer.ts).
 */
import type { FoldPlan, ScaleSimLayerDims } from './compute.js';
import { filterBlock, filterFetch, forEachOutsideRun, ifmapBlock, ifmapFetch, ofmapBlock, operandGeometry } from './operands.js';
import { calcFilterDramReads, calcIfmapDramReads } from './memory/read-buffer-estimate-bw.js';
import { UserReadBuffer } from './memory/read-buffer.js';
import { WriteBuffer } from './memory/write-buffer.js';

export { readBufferCapacity } from './memory/read-buffer-estimate-bw.js';

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
    ifReader = new UserReadBuffer(
      params.ifmapWords,
      params.userBandwidth,
      ifmapFetch(plan, geo, outside),
      geo.frame.size,
      'ifmap',
      outside,
    );
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
