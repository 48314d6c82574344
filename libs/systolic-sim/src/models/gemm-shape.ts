import type { ConvLayer, GemmLayer } from '../topology.js';

/**
 * A layer lowered to one matrix multiply, the way a systolic array sees a convolution after
 * im2col: `inputs` output pixels (rows of the im2col matrix), each a dot product of length
 * `reduction` with each of `filters` filters.
 */
export interface GemmShape {
  inputs: number;
  reduction: number;
  filters: number;
}

/** Output positions per axis with the reference model's rule E = (H - R + stride) // stride. */
export function outputExtent(paddedSize: number, kernel: number, stride: number): number {
  return Math.floor((paddedSize - kernel + stride) / stride);
}

/** The im2col GEMM of a dense convolution (or one channel of a depthwise one, with channels = 1). */
export function convAsGemm(layer: ConvLayer, channels: number, filters: number): GemmShape {
  const outH = outputExtent(layer.ifmapH + 2 * layer.padH, layer.kernelH, layer.strideH);
  const outW = outputExtent(layer.ifmapW + 2 * layer.padW, layer.kernelW, layer.strideW);
  return {
    inputs: (layer.batch ?? 1) * outH * outW,
    reduction: layer.kernelH * layer.kernelW * channels,
    filters,
  };
}

export function gemmLayerShape(layer: GemmLayer): GemmShape {
  return { inputs: layer.m, reduction: layer.k, filters: layer.n };
}

/**
 * How a 1×K or K×1 depthwise layer splits into independent 1-D convolutions for the ST-OS mapping.
 * A K×1 layer is the transpose of a 1×K one, so both are described along their kernel's axis:
 * `lines` 1-D convolutions (one per channel and input line across the kernel axis), each over
 * `length` padded inputs with `kernel` taps and `stride`, producing `outputs` values.
 */
export interface OneDimShape {
  /** Independent 1-D convolutions in the layer before striding across lines. */
  lines: number;
  /** Lines that produce output (every `crossStride`-th line). */
  outputLines: number;
  /** Stride across lines (the stride of the axis the kernel does not span). */
  crossStride: number;
  length: number;
  kernel: number;
  stride: number;
  outputs: number;
}

export function oneDimShape(layer: ConvLayer): OneDimShape {
  const batch = layer.batch ?? 1;
  const horizontal = layer.kernelH === 1; // 1×K: the kernel runs along the width
  const crossPadded = horizontal ? layer.ifmapH + 2 * layer.padH : layer.ifmapW + 2 * layer.padW;
  const alongPadded = horizontal ? layer.ifmapW + 2 * layer.padW : layer.ifmapH + 2 * layer.padH;
  const kernel = horizontal ? layer.kernelW : layer.kernelH;
  const stride = horizontal ? layer.strideW : layer.strideH;
  const crossStride = horizontal ? layer.strideH : layer.strideW;
  const lines = batch * layer.channels * crossPadded;
  return {
    lines,
    outputLines: batch * layer.channels * outputExtent(crossPadded, 1, crossStride),
    crossStride,
    length: alongPadded,
    kernel,
    stride,
    outputs: outputExtent(alongPadded, kernel, stride),
  };
}
