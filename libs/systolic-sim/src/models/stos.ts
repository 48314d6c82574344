/**
 * Timing model `stos`: the fuller model of the FuSeConv slides,
 *
 *     latency = load + compute + partial-sum communication + flush
 *
 * summed over the folds of every layer, for GEMM folds under the array's dataflow and for ST-OS
 * 1-D convolutions. The derivation, with a worked example, is in the package README. In short,
 * for one fold that uses `r` rows and `c` columns of the array:
 *
 * - OS GEMM (rows = output pixels, cols = filters, reduction T streamed):
 *   load = r + c − 2 (skewed operands reach the far corner), compute = T,
 *   psum = 0 (sums stay in their PE), flush = r (results shift down the columns, one per cycle).
 * - WS GEMM (rows = reduction, cols = filters, N input vectors streamed):
 *   load = r (weights enter one row per cycle), compute = N,
 *   psum = r + c − 2 (the last partial sum travels down r rows, skewed over c columns), flush = 0.
 * - IS GEMM (rows = reduction, cols = input vectors, M filters streamed): as WS with N and M swapped.
 * - ST-OS 1-D convolution (rows = independent 1-D convolutions, cols = output positions, K taps,
 *   stride s): load = (c − 1)·s + 1 (the row's input chain fills until its last PE holds its first
 *   input), compute = K (one tap broadcast per cycle while the chain shifts), psum = 0,
 *   flush = c (the row's outputs shift out at its edge).
 *
 * Depthwise K×K layers (and 1-D ones on a plain array) run as one single-filter GEMM per channel.
 */
import type { ArrayConfig, Dataflow } from '../array.js';
import type { ConvLayer, Layer } from '../topology.js';
import { convAsGemm, gemmLayerShape, oneDimShape, type GemmShape } from './gemm-shape.js';

export interface StosBreakdown {
  load: number;
  compute: number;
  psum: number;
  flush: number;
}

export interface StosLayerTiming extends StosBreakdown {
  cycles: number;
  folds: number;
}

/** Sizes of the folds of `total` items over `lanes` array lanes: full folds then the remainder. */
function foldSizes(total: number, lanes: number): Array<{ size: number; count: number }> {
  const full = Math.floor(total / lanes);
  const rest = total % lanes;
  const sizes: Array<{ size: number; count: number }> = [];
  if (full > 0) sizes.push({ size: lanes, count: full });
  if (rest > 0) sizes.push({ size: rest, count: 1 });
  return sizes;
}

function emptyTiming(): StosLayerTiming {
  return { load: 0, compute: 0, psum: 0, flush: 0, cycles: 0, folds: 0 };
}

function addFolds(into: StosLayerTiming, fold: StosBreakdown, count: number): void {
  into.load += fold.load * count;
  into.compute += fold.compute * count;
  into.psum += fold.psum * count;
  into.flush += fold.flush * count;
  into.folds += count;
}

function finish(timing: StosLayerTiming): StosLayerTiming {
  timing.cycles = timing.load + timing.compute + timing.psum + timing.flush;
  return timing;
}

/**
 * One GEMM under a dataflow. `spatialRows` / `spatialCols` are the GEMM dimensions mapped onto the
 * array's rows and columns, `streamed` the one that flows through it in time.
 */
export function stosGemm(shape: GemmShape, array: Pick<ArrayConfig, 'rows' | 'cols'>, dataflow: Dataflow): StosLayerTiming {
  const timing = emptyTiming();
  if (dataflow === 'os') {
    for (const rowFold of foldSizes(shape.inputs, array.rows)) {
      for (const colFold of foldSizes(shape.filters, array.cols)) {
        const r = rowFold.size;
        const c = colFold.size;
        addFolds(timing, { load: r + c - 2, compute: shape.reduction, psum: 0, flush: r }, rowFold.count * colFold.count);
      }
    }
    return finish(timing);
  }
  const streamed = dataflow === 'ws' ? shape.inputs : shape.filters;
  const spatialCols = dataflow === 'ws' ? shape.filters : shape.inputs;
  for (const rowFold of foldSizes(shape.reduction, array.rows)) {
    for (const colFold of foldSizes(spatialCols, array.cols)) {
      const r = rowFold.size;
      const c = colFold.size;
      addFolds(timing, { load: r, compute: streamed, psum: r + c - 2, flush: 0 }, rowFold.count * colFold.count);
    }
  }
  return finish(timing);
}

/** A 1×K / K×1 depthwise layer on the ST-OS array. */
export function stosOneDim(layer: ConvLayer, array: Pick<ArrayConfig, 'rows' | 'cols'>): StosLayerTiming {
  const shape = oneDimShape(layer);
  const timing = emptyTiming();
  for (const rowFold of foldSizes(shape.outputLines, array.rows)) {
    for (const colFold of foldSizes(shape.outputs, array.cols)) {
      const c = colFold.size;
      addFolds(timing, { load: (c - 1) * shape.stride + 1, compute: shape.kernel, psum: 0, flush: c }, rowFold.count * colFold.count);
    }
  }
  return finish(timing);
}

function perChannel(layer: ConvLayer, array: ArrayConfig): StosLayerTiming {
  const one = stosGemm(convAsGemm(layer, 1, 1), array, array.dataflow);
  const channels = layer.filters;
  return {
    load: one.load * channels,
    compute: one.compute * channels,
    psum: one.psum * channels,
    flush: one.flush * channels,
    cycles: one.cycles * channels,
    folds: one.folds * channels,
  };
}

export function stosLayerTiming(layer: Layer, array: ArrayConfig): StosLayerTiming {
  if (layer.kind === 'gemm') return stosGemm(gemmLayerShape(layer), array, array.dataflow);
  if (layer.kind === 'conv' || layer.kind === 'pointwise') {
    return stosGemm(convAsGemm(layer, layer.channels, layer.filters), array, array.dataflow);
  }
  if (layer.kind === 'depthwise1d' && array.hardware === 'fuse') return stosOneDim(layer, array);
  return perChannel(layer, array);
}
