/**
 * SCALE-Sim v2's compute model (`scalesim/compute/*`), folded: instead of building the operand and
 * demand matrices, count per fold.
 *
 * SCALE-Sim lowers a layer to three operand matrices (im2col):
 *   IFMAP  (ofmap pixels × window), FILTER (window × filters), OFMAP (ofmap pixels × filters),
 * with window = filterH · filterW · channels. A dataflow maps two of the three dimensions onto the
 * array (Sr along the rows, Sc along the columns) and streams the third (T) in time:
 *   os: Sr = ofmap pixels, Sc = filters,      T = window
 *   ws: Sr = window,       Sc = filters,      T = ofmap pixels
 *   is: Sr = window,       Sc = ofmap pixels, T = filters
 * The array runs ceil(Sr/R) × ceil(Sc/C) folds, column folds outermost. Every fold is a block of
 * demand "lines" (one per cycle) of the same length.
 */
import type { ArrayConfig, Dataflow } from '../array.js';

/** A layer as SCALE-Sim sees it: an unpadded convolution (GEMMs are 1×K filters over an M×K map). */
export interface ScaleSimLayerDims {
  ifmapH: number;
  ifmapW: number;
  filterH: number;
  filterW: number;
  channels: number;
  filters: number;
  strideH: number;
  strideW: number;
}

export interface FoldPlan {
  dataflow: Dataflow;
  /** Array rows and columns. */
  R: number;
  C: number;
  /** Spatial rows, spatial columns and temporal extent of the mapping. */
  Sr: number;
  Sc: number;
  T: number;
  rowFolds: number;
  colFolds: number;
  /** Demand lines (cycles without stalls) of one fold. */
  linesPerFold: number;
  ofmapH: number;
  ofmapW: number;
  /** Ofmap pixels per filter. */
  ofmapPx: number;
  /** Filter window: filterH · filterW · channels. */
  window: number;
  filters: number;
}

export interface ComputeReport {
  /** ofmap pixels × filters × window: the MACs SCALE-Sim counts. */
  numCompute: number;
  /** Mean over folds of used PEs / all PEs, in percent. */
  mappingEfficiency: number;
  /** Mean over folds of MACs / (PEs × fold cycles), in percent. */
  computeUtil: number;
  sramIfmapReads: number;
  sramFilterReads: number;
  sramOfmapWrites: number;
}

/** SCALE-Sim's output size: ceil((in - filter + stride) / stride). */
export function scaleSimOfmapSize(dims: ScaleSimLayerDims): { ofmapH: number; ofmapW: number } {
  return {
    ofmapH: Math.ceil((dims.ifmapH - dims.filterH + dims.strideH) / dims.strideH),
    ofmapW: Math.ceil((dims.ifmapW - dims.filterW + dims.strideW) / dims.strideW),
  };
}

export function foldPlan(dims: ScaleSimLayerDims, array: Pick<ArrayConfig, 'rows' | 'cols' | 'dataflow'>): FoldPlan {
  const { ofmapH, ofmapW } = scaleSimOfmapSize(dims);
  const ofmapPx = ofmapH * ofmapW;
  const window = dims.filterH * dims.filterW * dims.channels;
  const R = array.rows;
  const C = array.cols;
  let Sr: number;
  let Sc: number;
  let T: number;
  let linesPerFold: number;
  switch (array.dataflow) {
    case 'os':
      [Sr, Sc, T] = [ofmapPx, dims.filters, window];
      // T operand lines, then R + C - 2 lines of pipeline fill and drain (skew).
      linesPerFold = T + R + C - 2;
      break;
    case 'ws':
      [Sr, Sc, T] = [window, dims.filters, ofmapPx];
      // R lines to load the weights, T input lines, C - 1 to drain, R - 1 of skew.
      linesPerFold = 2 * R + C + T - 2;
      break;
    case 'is':
      [Sr, Sc, T] = [window, ofmapPx, dims.filters];
      linesPerFold = 2 * R + C + T - 2;
      break;
  }
  return {
    dataflow: array.dataflow,
    R,
    C,
    Sr,
    Sc,
    T,
    rowFolds: Math.ceil(Sr / R),
    colFolds: Math.ceil(Sc / C),
    linesPerFold,
    ofmapH,
    ofmapW,
    ofmapPx,
    window,
    filters: dims.filters,
  };
}

/**
 * The cycle count SCALE-Sim divides by in a fold's compute utilisation. For os it is the fold's
 * line count; for ws and is SCALE-Sim adds C - 1 to the (unskewed) filter / ifmap demand, which
 * makes it one pass of C - 1 longer than the fold.
 */
export function utilisationCycles(plan: FoldPlan): number {
  return plan.dataflow === 'os' ? plan.linesPerFold : plan.linesPerFold + plan.C - 1;
}

/** Rows / columns of the array a fold uses. */
export function rowsUsed(plan: FoldPlan, fr: number): number {
  return Math.min(plan.R, plan.Sr - fr * plan.R);
}
export function colsUsed(plan: FoldPlan, fc: number): number {
  return Math.min(plan.C, plan.Sc - fc * plan.C);
}

/**
 * Mapping efficiency, compute utilisation and SRAM accesses. The two averages are accumulated fold
 * by fold in SCALE-Sim's order (column folds outer, row folds inner) with plain double additions, so
 * they agree to the last bit with SCALE-Sim under CPython ≤ 3.11 (3.12 made `sum()` compensated,
 * which can change the last digit).
 */
export function computeReport(plan: FoldPlan): ComputeReport {
  const { R, C, Sr, Sc, T, rowFolds, colFolds } = plan;
  const pes = R * C;
  const cycles = utilisationCycles(plan);
  let mappingSum = 0;
  let utilSum = 0;
  for (let fc = 0; fc < colFolds; fc++) {
    const cu = colsUsed(plan, fc);
    for (let fr = 0; fr < rowFolds; fr++) {
      const used = rowsUsed(plan, fr) * cu;
      mappingSum += used / pes;
      utilSum += (used * T) / (pes * cycles);
    }
  }
  const folds = rowFolds * colFolds;

  let sramIfmapReads: number;
  let sramFilterReads: number;
  let sramOfmapWrites: number;
  switch (plan.dataflow) {
    case 'os':
      sramIfmapReads = colFolds * Sr * T;
      sramFilterReads = rowFolds * T * Sc;
      // SCALE-Sim also adds the padded fold's height + width (R + C) per fold.
      sramOfmapWrites = Sr * Sc + folds * (R + C);
      break;
    case 'ws':
      sramIfmapReads = colFolds * T * Sr;
      sramFilterReads = Sr * Sc;
      sramOfmapWrites = rowFolds * T * Sc;
      break;
    case 'is':
      sramIfmapReads = Sr * Sc;
      sramFilterReads = colFolds * Sr * T;
      sramOfmapWrites = rowFolds * Sc * T;
      break;
  }
  return {
    numCompute: plan.ofmapPx * plan.filters * plan.window,
    mappingEfficiency: (mappingSum / folds) * 100,
    computeUtil: (utilSum / folds) * 100,
    sramIfmapReads,
    sramFilterReads,
    sramOfmapWrites,
  };
}
