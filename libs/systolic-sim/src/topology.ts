/**
 * Layer shapes: the only thing the simulator knows about a network.
 *
 * A topology is an ordered list of layers. Shapes follow PyTorch's conventions: the input feature
 * map is given *before* padding, and `padH`/`padW` zeros are added on each side (so the padded
 * height is `ifmapH + 2 * padH`). SCALE-Sim's CSV files carry already-padded sizes; importing one
 * yields layers with zero padding.
 */

/** What a layer computes, which decides how it maps onto the array. */
export type LayerKind =
  /** Dense convolution (groups = 1) with a kernel larger than 1×1. */
  | 'conv'
  /** 1×1 dense convolution. */
  | 'pointwise'
  /** K×K depthwise convolution: every channel convolved with its own single filter. */
  | 'depthwise'
  /** 1×K or K×1 depthwise convolution (FuSeConv's operator). */
  | 'depthwise1d'
  /** Fully connected layer / matrix multiply: (m × k) · (k × n). */
  | 'gemm';

/** How a layer is reported in breakdowns (the slides' operator-wise latency split). */
export type OperatorClass = 'pointwise' | 'depthwise' | 'fuse-1d' | 'other';

export interface ConvLayer {
  name: string;
  kind: Exclude<LayerKind, 'gemm'>;
  /** Input feature-map height and width, before padding. */
  ifmapH: number;
  ifmapW: number;
  kernelH: number;
  kernelW: number;
  /** Input channels. */
  channels: number;
  /** Output channels (equal to `channels` for depthwise kinds). */
  filters: number;
  strideH: number;
  strideW: number;
  /** Zeros added on each side of the height / width. */
  padH: number;
  padW: number;
  /** Images processed together (default 1). */
  batch?: number;
}

export interface GemmLayer {
  name: string;
  kind: 'gemm';
  /** Rows of the left operand (e.g. batch size for a fully connected layer). */
  m: number;
  /** Reduction dimension (input features). */
  k: number;
  /** Columns of the right operand (output features). */
  n: number;
}

export type Layer = ConvLayer | GemmLayer;
export type Topology = Layer[];

/** Output height/width of a convolution, PyTorch's floor rule. */
export function outputSize(layer: ConvLayer): { outH: number; outW: number } {
  const outH = Math.floor((layer.ifmapH + 2 * layer.padH - layer.kernelH) / layer.strideH) + 1;
  const outW = Math.floor((layer.ifmapW + 2 * layer.padW - layer.kernelW) / layer.strideW) + 1;
  return { outH, outW };
}

/** Multiply-accumulates of one layer. */
export function layerMacs(layer: Layer): number {
  if (layer.kind === 'gemm') return layer.m * layer.k * layer.n;
  const { outH, outW } = outputSize(layer);
  const batch = layer.batch ?? 1;
  const perOutput = layer.kernelH * layer.kernelW;
  const depthwise = layer.kind === 'depthwise' || layer.kind === 'depthwise1d';
  return batch * outH * outW * perOutput * (depthwise ? layer.filters : layer.channels * layer.filters);
}

/** The operator class a layer is reported under. */
export function operatorClass(layer: Layer): OperatorClass {
  switch (layer.kind) {
    case 'pointwise':
      return 'pointwise';
    case 'depthwise':
      return 'depthwise';
    case 'depthwise1d':
      return 'fuse-1d';
    default:
      return 'other';
  }
}
