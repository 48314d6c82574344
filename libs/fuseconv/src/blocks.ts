/**
 * Block construction shared by the network definitions: given a block's shape and its operator,
 * derive the wiring the reference module of that family would build.
 */
import type { Activation, BlockFamily, BlockOperator, BlockSpec, FuseSplit, SqueezeExcite } from './types.js';

/** Shape of one block before an operator is chosen. */
export interface BlockShape {
  index: number;
  stage: number;
  name: string;
  family: BlockFamily;
  inChannels: number;
  outChannels: number;
  expandRatio: number | null;
  hiddenChannels: number;
  kernel: number;
  stride: number;
  /** Whether the block has squeeze-and-excitation (MobileNetV3 only). */
  se: boolean;
  /** The block's non-linearity. */
  activation: Activation;
}

/** SE reduction of the reference (`channel // 4`). */
const SE_REDUCTION = 4;

function expandMode(shape: BlockShape, operator: BlockOperator): BlockSpec['expand'] {
  switch (shape.family) {
    case 'mobilenet_v1':
    case 'mnasnet_sep':
      return 'none';
    case 'inverted_residual':
      // The baseline skips the expansion conv when t = 1; the FuSe blocks always build it but
      // only call it when t != 1.
      if (shape.expandRatio !== 1) return 'called';
      return operator === 'dw' ? 'none' : 'unused';
    case 'mobile_bottleneck':
    case 'mnasnet_ir':
      return 'called';
  }
}

function fuseSplit(hidden: number, operator: BlockOperator): FuseSplit | null {
  switch (operator) {
    case 'dw':
      return null;
    case 'fuse_full':
      return { horizontal: hidden, vertical: hidden };
    case 'fuse_half': {
      // torch.chunk(2, dim=1): the first chunk takes the larger half when the count is odd.
      const horizontal = Math.ceil(hidden / 2);
      return { horizontal, vertical: hidden - horizontal };
    }
  }
}

/** Builds the block spec of `shape` with `operator` as its spatial convolution. */
export function makeBlock(shape: BlockShape, operator: BlockOperator): BlockSpec {
  const hidden = shape.hiddenChannels;
  const fuse = fuseSplit(hidden, operator);
  const stageChannels = operator === 'fuse_full' ? 2 * hidden : hidden;
  const se: SqueezeExcite | null = shape.se
    ? {
        channels: stageChannels,
        reducedChannels: Math.floor(stageChannels / SE_REDUCTION),
        activation: 'relu',
        gate: 'hsigmoid',
        bias: false,
      }
    : null;
  const expand = expandMode(shape, operator);
  const activations = blockActivations(shape, operator);
  return {
    index: shape.index,
    stage: shape.stage,
    name: shape.name,
    family: shape.family,
    operator,
    inChannels: shape.inChannels,
    outChannels: shape.outChannels,
    expandRatio: shape.expandRatio,
    hiddenChannels: hidden,
    expand,
    kernel: shape.kernel,
    stride: shape.stride,
    padding: (shape.kernel - 1) >> 1,
    fuse,
    projectInChannels: stageChannels,
    se,
    activations,
    residual:
      shape.family !== 'mobilenet_v1' && shape.family !== 'mnasnet_sep'
        ? shape.stride === 1 && shape.inChannels === shape.outChannels
        : false,
  };
}

function blockActivations(shape: BlockShape, operator: BlockOperator): BlockSpec['activations'] {
  const act = shape.activation;
  switch (shape.family) {
    case 'mobilenet_v1':
      // The FuSe blocks of mobilenetv1.py apply no activation after the 1-D convolutions' BN.
      return { expand: 'none', depthwise: operator === 'dw' ? act : 'none', project: act };
    case 'mnasnet_sep':
      return { expand: 'none', depthwise: act, project: 'none' };
    default:
      return { expand: act, depthwise: act, project: 'none' };
  }
}
