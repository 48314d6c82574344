/**
 * Addresses and orders of SCALE-Sim's operand traffic, without materialising its matrices.
 *
 * IFMAP operand (im2col): row = ofmap pixel, column = window element (filter row, filter column,
 * channel); address = (y · W + x) · channels + channel in the HWC ifmap. FILTER operand: row =
 * window element, column = filter; address = filter · window + element.
 *
 * SCALE-Sim's output size ceil((in - filter + stride) / stride) has one more row (column) than the
 * windows that fit when the stride does not divide in - filter; the elements of those windows that
 * fall outside the ifmap are -1 in SCALE-Sim's operand matrix and are never requested. Here ifmap
 * addresses live in a frame (in + stride - 1) high and wide whose words outside the ifmap are such
 * non-requests; inside the ifmap the frame's addresses differ from SCALE-Sim's numbering, but are
 * one-to-one with them, which is all the memory model needs.
 */
import type { FoldPlan, ScaleSimLayerDims } from './compute.js';
import { colsUsed, rowsUsed } from './compute.js';

export interface IfmapFrame {
  height: number;
  width: number;
  channels: number;
  /** Words in the frame. */
  size: number;
}

export function ifmapFrame(dims: ScaleSimLayerDims): IfmapFrame {
  const height = dims.ifmapH + dims.strideH - 1;
  const width = dims.ifmapW + dims.strideW - 1;
  return { height, width, channels: dims.channels, size: height * width * dims.channels };
}

/** Calls `mark(start, end)` for every run of frame addresses outside the ifmap. */
export function forEachOutsideRun(dims: ScaleSimLayerDims, frame: IfmapFrame, mark: (start: number, end: number) => void): void {
  const ch = frame.channels;
  for (let y = 0; y < frame.height; y++) {
    const x0 = y < dims.ifmapH ? dims.ifmapW : 0;
    if (x0 < frame.width) mark((y * frame.width + x0) * ch, (y + 1) * frame.width * ch);
  }
}

/** Frame address of every ofmap pixel's window origin. */
export function pixelBases(dims: ScaleSimLayerDims, plan: FoldPlan, frame: IfmapFrame): Int32Array {
  const out = new Int32Array(plan.ofmapPx);
  for (let p = 0; p < plan.ofmapPx; p++) {
    const oy = Math.floor(p / plan.ofmapW);
    const ox = p - oy * plan.ofmapW;
    out[p] = (oy * dims.strideH * frame.width + ox * dims.strideW) * dims.channels;
  }
  return out;
}

/** Offset of every window element from its window's origin. */
export function windowOffsets(dims: ScaleSimLayerDims, plan: FoldPlan, frame: IfmapFrame): Int32Array {
  const out = new Int32Array(plan.window);
  const rowLen = dims.filterW * dims.channels;
  for (let t = 0; t < plan.window; t++) {
    const fy = Math.floor(t / rowLen);
    const k = t - fy * rowLen;
    const fx = Math.floor(k / dims.channels);
    const ch = k - fx * dims.channels;
    out[t] = (fy * frame.width + fx) * dims.channels + ch;
  }
  return out;
}

export function range(start: number, count: number, step = 1): Int32Array {
  const out = new Int32Array(Math.max(0, count));
  for (let i = 0; i < count; i++) out[i] = start + i * step;
  return out;
}

/** Distinct ifmap words that some window reads. */
export function ifmapFootprint(dims: ScaleSimLayerDims, plan: FoldPlan): number {
  const covered = (out: number, stride: number, filter: number, size: number): number => {
    let total = 0;
    let reached = 0;
    for (let o = 0; o < out; o++) {
      const start = Math.max(o * stride, reached);
      const end = Math.min(o * stride + filter, size);
      if (end > start) total += end - start;
      reached = Math.max(reached, end);
    }
    return total;
  };
  return (
    covered(plan.ofmapH, dims.strideH, dims.filterH, dims.ifmapH) *
    covered(plan.ofmapW, dims.strideW, dims.filterW, dims.ifmapW) *
    dims.channels
  );
}

/**
 * The reads of one operand in one fold, in demand order. Address of element (t, c) = a[c] + b[t].
 * `skewed`: element (t, c), t < tN, c < cN, is requested at line off + t + c (the systolic skew).
 * Otherwise the block is loaded one row per line, last row first: row t at line off - t.
 * Within a line, columns are requested left to right.
 */
export interface DemandBlock {
  skewed: boolean;
  a: Int32Array;
  cN: number;
  b: Int32Array;
  tN: number;
  off: number;
}

export interface OperandGeometry {
  frame: IfmapFrame;
  pix: Int32Array;
  win: Int32Array;
}

export function operandGeometry(dims: ScaleSimLayerDims, plan: FoldPlan): OperandGeometry {
  const frame = ifmapFrame(dims);
  return { frame, pix: pixelBases(dims, plan, frame), win: windowOffsets(dims, plan, frame) };
}

/** IFMAP demand of fold (fc, fr). */
export function ifmapBlock(plan: FoldPlan, geo: OperandGeometry, fc: number, fr: number): DemandBlock {
  const { R, C } = plan;
  switch (plan.dataflow) {
    case 'os':
      // ofmap pixels fr·R… on the rows, the window streamed in time.
      return { skewed: true, a: geo.pix.subarray(fr * R), cN: rowsUsed(plan, fr), b: geo.win, tN: plan.window, off: 0 };
    case 'ws':
      // window elements fr·R… on the rows; after R lines of weight load, all pixels stream in.
      return { skewed: true, a: geo.win.subarray(fr * R), cN: rowsUsed(plan, fr), b: geo.pix, tN: plan.ofmapPx, off: R };
    case 'is':
      // the block (window fr·R…, pixels fc·C…) is loaded into the array, last row first.
      return {
        skewed: false,
        a: geo.pix.subarray(fc * C),
        cN: colsUsed(plan, fc),
        b: geo.win.subarray(fr * R),
        tN: rowsUsed(plan, fr),
        off: R - 1,
      };
  }
}

/** FILTER demand of fold (fc, fr). */
export function filterBlock(plan: FoldPlan, fc: number, fr: number): DemandBlock {
  const { R, C, window } = plan;
  switch (plan.dataflow) {
    case 'os':
      // filters fc·C… on the columns, the window streamed in time.
      return {
        skewed: true,
        a: range(fc * C * window, colsUsed(plan, fc), window),
        cN: colsUsed(plan, fc),
        b: range(0, window),
        tN: window,
        off: 0,
      };
    case 'ws':
      // the block (window fr·R…, filters fc·C…) is loaded into the array, last row first.
      return {
        skewed: false,
        a: range(fc * C * window, colsUsed(plan, fc), window),
        cN: colsUsed(plan, fc),
        b: range(fr * R, rowsUsed(plan, fr)),
        tN: rowsUsed(plan, fr),
        off: R - 1,
      };
    case 'is':
      // window elements fr·R… on the rows; after R lines of input load, the filters stream in.
      return {
        skewed: true,
        a: range(fr * R, rowsUsed(plan, fr)),
        cN: rowsUsed(plan, fr),
        b: range(0, plan.filters, window),
        tN: plan.filters,
        off: R,
      };
  }
}

/** First and last column of a block requested at line q (empty when lo > hi). */
export function lineColumns(block: DemandBlock, q: number): { lo: number; hi: number; t: number } {
  if (block.skewed) {
    const d = q - block.off;
    const lo = d - block.tN + 1 > 0 ? d - block.tN + 1 : 0;
    const hi = d < block.cN - 1 ? d : block.cN - 1;
    return { lo, hi, t: d };
  }
  const t = block.off - q;
  return t >= 0 && t < block.tN ? { lo: 0, hi: block.cN - 1, t } : { lo: 1, hi: 0, t };
}

/** The valid OFMAP block of a fold: unskewed rows a … a+h-1, columns 0 … w-1. */
export function ofmapBlock(plan: FoldPlan, fc: number, fr: number): { a: number; h: number; w: number } {
  const w = colsUsed(plan, fc);
  if (plan.dataflow === 'os') {
    // T - 1 lines before the outputs are ready; the R rows leave bottom first.
    const h = rowsUsed(plan, fr);
    return { a: plan.T - 1 + (plan.R - h), h, w };
  }
  // ws / is: 2R - 1 lines of load and fill, then T output lines.
  return { a: 2 * plan.R - 1, h: plan.T, w };
}

/**
 * SCALE-Sim's prefetch matrix of an operand (USER bandwidth mode): the fold blocks stacked, each
 * padded to the array's width, then, for skewed operands, read anti-diagonal by anti-diagonal
 * (bottom-left to top-right) so that prefetches follow the skewed demand.
 */
export interface FetchMatrix {
  rows: number;
  width: number;
  rolled: boolean;
  /** Address of element (row, col), or -1 for padding and for reads outside the ifmap. */
  at: (row: number, col: number) => number;
}

export function ifmapFetch(plan: FoldPlan, geo: OperandGeometry, outside: Uint8Array): FetchMatrix {
  const { R, C } = plan;
  const valid = (addr: number): number => (outside[addr] === 1 ? -1 : addr);
  switch (plan.dataflow) {
    case 'os': {
      const T = plan.window;
      return {
        rows: plan.rowFolds * T,
        width: R,
        rolled: true,
        at: (row, col) => {
          const fr = Math.floor(row / T);
          return col < rowsUsed(plan, fr) ? valid(geo.pix[fr * R + col]! + geo.win[row - fr * T]!) : -1;
        },
      };
    }
    case 'ws': {
      const T = plan.ofmapPx;
      return {
        rows: plan.rowFolds * T,
        width: R,
        rolled: true,
        at: (row, col) => {
          const fr = Math.floor(row / T);
          return col < rowsUsed(plan, fr) ? valid(geo.pix[row - fr * T]! + geo.win[fr * R + col]!) : -1;
        },
      };
    }
    case 'is': {
      const Wn = plan.window;
      return {
        rows: plan.colFolds * Wn,
        width: C,
        rolled: false,
        at: (row, col) => {
          const fc = Math.floor(row / Wn);
          return col < colsUsed(plan, fc) ? valid(geo.pix[fc * C + col]! + geo.win[row - fc * Wn]!) : -1;
        },
      };
    }
  }
}

export function filterFetch(plan: FoldPlan): FetchMatrix {
  const { R, C, window } = plan;
  switch (plan.dataflow) {
    case 'os':
    case 'ws':
      return {
        rows: plan.colFolds * window,
        width: C,
        rolled: plan.dataflow === 'os',
        at: (row, col) => {
          const fc = Math.floor(row / window);
          return col < colsUsed(plan, fc) ? (fc * C + col) * window + (row - fc * window) : -1;
        },
      };
    case 'is': {
      const F = plan.filters;
      return {
        rows: plan.rowFolds * F,
        width: R,
        rolled: true,
        at: (row, col) => {
          const fr = Math.floor(row / F);
          return col < rowsUsed(plan, fr) ? (row - fr * F) * window + fr * R + col : -1;
        },
      };
    }
  }
}

/** Visits the valid addresses of a fetch matrix in SCALE-Sim's fetch order. */
export function forEachFetched(fm: FetchMatrix, visit: (addr: number) => void): void {
  const { rows, width, at } = fm;
  if (!fm.rolled) {
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < width; col++) {
        const addr = at(row, col);
        if (addr !== -1) visit(addr);
      }
    }
    return;
  }
  // Anti-diagonal d holds (row, d - row), rows from the bottom up.
  for (let d = 0; d < rows + width - 1; d++) {
    const hi = d < rows - 1 ? d : rows - 1;
    const lo = d - width + 1 > 0 ? d - width + 1 : 0;
    for (let row = hi; row >= lo; row--) {
      const addr = at(row, d - row);
      if (addr !== -1) visit(addr);
    }
  }
}
