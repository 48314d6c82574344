/**
 * Timing model `reference`: a port of the FuSeConv authors' analytical latency model
 * (`analyticalLatencyModel.py` in iitm-sysdl/FuSeConv), bit-exact with it.
 *
 * - A dense conv / FC layer is an output-stationary GEMM: the array's rows take output pixels,
 *   its columns take filters, and every fold costs `reduction + rowsUsed + colsUsed - 1`.
 * - A depthwise layer on a plain array (and a K×K depthwise layer on any array) is one GEMM per
 *   channel with a single filter: it uses one column of the array.
 * - A 1×K / K×1 depthwise layer on the ST-OS array runs independent 1-D convolutions on the rows:
 *   `ceil(ceil(lines / rows) / stride * (cols + K) * ceil(length / cols))`.
 *
 * The arithmetic (floor divisions, the float division by the stride before the outer ceil) is the
 * reference's own, so totals agree to the cycle.
 */
import type { ArrayConfig } from '../array.js';
import type { ConvLayer, Layer } from '../topology.js';
import { convAsGemm, gemmLayerShape, type GemmShape } from './gemm-shape.js';

/** Cycles of one output-stationary GEMM, folded over a rows×cols array (the reference's gemmCycles). */
export function referenceGemmCycles(shape: GemmShape, rows: number, cols: number): number {
  const { inputs, reduction, filters } = shape;
  const fullRowFolds = Math.floor(inputs / rows);
  const fullColFolds = Math.floor(filters / cols);
  const rowRemainder = inputs % rows;
  const colRemainder = filters % cols;
  let cycles = fullRowFolds * fullColFolds * (reduction + rows + cols - 1);
  if (rowRemainder > 0) cycles += fullColFolds * (reduction + rowRemainder + cols - 1);
  if (colRemainder > 0) cycles += fullRowFolds * (reduction + rows + colRemainder - 1);
  if (rowRemainder > 0 && colRemainder > 0) cycles += reduction + rowRemainder + colRemainder - 1;
  return cycles;
}

/**
 * Cycles of a 1×K depthwise layer on the ST-OS array (the reference's FuSeCycles). For a K×1
 * layer the caller swaps the axes, as the reference does.
 */
export function referenceFuseCycles(
  paddedCross: number,
  paddedAlong: number,
  kernel: number,
  stride: number,
  channels: number,
  batch: number,
  rows: number,
  cols: number,
): number {
  const lines = batch * paddedCross * channels;
  const rowFolds = Math.ceil(lines / rows);
  const colFolds = Math.ceil(paddedAlong / cols);
  const foldTime = cols + kernel;
  // The reference divides by the stride in floating point before the outer ceil; doubles give the
  // same result here because every operand is a small integer or half-integer.
  return Math.ceil((rowFolds / stride) * (foldTime * colFolds));
}

function depthwisePerChannelCycles(layer: ConvLayer, array: ArrayConfig): number {
  return referenceGemmCycles(convAsGemm(layer, 1, 1), array.rows, array.cols) * layer.filters;
}

/** Cycles of one layer under the reference model. */
export function referenceLayerCycles(layer: Layer, array: ArrayConfig): number {
  if (layer.kind === 'gemm') return referenceGemmCycles(gemmLayerShape(layer), array.rows, array.cols);
  if (layer.kind === 'conv' || layer.kind === 'pointwise') {
    return referenceGemmCycles(convAsGemm(layer, layer.channels, layer.filters), array.rows, array.cols);
  }
  if (layer.kind === 'depthwise' || array.hardware === 'plain') return depthwisePerChannelCycles(layer, array);
  const paddedH = layer.ifmapH + 2 * layer.padH;
  const paddedW = layer.ifmapW + 2 * layer.padW;
  const batch = layer.batch ?? 1;
  if (layer.kernelH === 1) {
    return referenceFuseCycles(paddedH, paddedW, layer.kernelW, layer.strideW, layer.channels, batch, array.rows, array.cols);
  }
  return referenceFuseCycles(paddedW, paddedH, layer.kernelH, layer.strideH, layer.channels, batch, array.rows, array.cols);
}
