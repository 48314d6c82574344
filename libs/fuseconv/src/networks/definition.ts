import type { BlockShape } from '../blocks.js';
import type { ConvOp, HeadOp, NetworkName } from '../types.js';

/** Options a network definition needs to lay out its channels. */
export interface LayoutOptions {
  width: number;
  numClasses: number;
}

/** A network's operator-independent layout. */
export interface NetworkLayout {
  stem: ConvOp[];
  blocks: BlockShape[];
  head: HeadOp[];
}

/** Everything fuseconv knows about one reference network. */
export interface NetworkDefinition {
  name: NetworkName;
  /** Reference model constructors (models/*.py of iitm-sysdl/FuSeConv) this definition mirrors. */
  reference: string;
  /** Number of searchable blocks (independent of width and input size). */
  blockCount: number;
  /** Blocks the reference's `*Hybrid` classes make FuSe (the `_50` variants). */
  hybridBlocks: readonly number[];
  layout(options: LayoutOptions): NetworkLayout;
}

/** A stem/head convolution without bias, with BatchNorm. */
export function convBn(
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  activation: ConvOp['activation'],
): ConvOp {
  return {
    op: 'conv',
    name,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding: (kernel - 1) >> 1,
    bias: false,
    batchNorm: true,
    activation,
  };
}

/** Stage numbers that start a new stage whenever the output channels change. */
export function stagesByOutput(outputs: readonly number[]): number[] {
  let stage = -1;
  let previous = Number.NaN;
  return outputs.map((out) => {
    if (out !== previous) stage += 1;
    previous = out;
    return stage;
  });
}
