/**
 * Network specifications as plain, serialisable data.
 *
 * A {@link NetworkSpec} describes one network exactly as the FuSeConv authors' PyTorch reference
 * builds it: the stem convolutions, the searchable blocks (each with the operator that replaces its
 * depthwise convolution) and the head. Module names follow the reference's PyTorch module paths so
 * that a layer can be matched against the reference model by name.
 */

import type { StemName } from './stems.js';

/** The networks of the FuSeConv paper. */
export type NetworkName = 'mobilenet_v1' | 'mobilenet_v2' | 'mobilenet_v3_small' | 'mobilenet_v3_large' | 'mnasnet_b1';

/** Named variants: the baseline and the four FuSe networks of the paper. */
export type VariantName = 'baseline' | 'fuse_full' | 'fuse_half' | 'fuse_full_50' | 'fuse_half_50';

/**
 * What a block uses in place of (or as) its spatial convolution:
 * - `dw`: K×K depthwise convolution (the baseline),
 * - `fuse_full`: FuSe with D=1, every channel gets a 1×K and a K×1 depthwise convolution, so the
 *   pointwise projection sees twice the channels,
 * - `fuse_half`: FuSe with D=2, the first half of the channels gets a 1×K, the second half a K×1
 *   depthwise convolution.
 */
export type BlockOperator = 'dw' | 'fuse_full' | 'fuse_half';

/** Element-wise non-linearities used by the reference networks. */
export type Activation = 'relu' | 'relu6' | 'hswish' | 'none';

/**
 * Which reference module a block mirrors. It fixes the block's wiring (whether an expansion conv
 * exists, where SE sits) and its PyTorch module names.
 * - `mobilenet_v1`: depthwise (or FuSe) + pointwise, ReLU (`Block`, `FuSe*Block`).
 * - `inverted_residual`: MobileNetV2 inverted residual (`InvertedResidual*` in mobilenetv2.py).
 * - `mobile_bottleneck`: MobileNetV3 bottleneck with optional SE (`MobileBottleneck*`).
 * - `mnasnet_sep`: MnasNet's first separable block (`SepConv_3x3`, `SepConvFriendly*`).
 * - `mnasnet_ir`: MnasNet's MBConv (`InvertedResidual*` in mnasnet.py).
 */
export type BlockFamily = 'mobilenet_v1' | 'inverted_residual' | 'mobile_bottleneck' | 'mnasnet_sep' | 'mnasnet_ir';

/** A plain convolution (stem or head), followed by optional BatchNorm and activation. */
export interface ConvOp {
  op: 'conv';
  /** PyTorch module path of the Conv2d in the reference model. */
  name: string;
  inChannels: number;
  outChannels: number;
  /** Square kernel size. */
  kernel: number;
  stride: number;
  /** Zeros added on each side. */
  padding: number;
  bias: boolean;
  batchNorm: boolean;
  activation: Activation;
}

/** Global average pooling to 1×1. */
export interface PoolOp {
  op: 'global_avg_pool';
}

export interface DropoutOp {
  op: 'dropout';
  rate: number;
}

/** Fully connected layer (PyTorch `nn.Linear`). */
export interface LinearOp {
  op: 'linear';
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

export type HeadOp = ConvOp | PoolOp | DropoutOp | LinearOp;

/**
 * Squeeze-and-excitation as the reference builds it: global average pool, `Linear(c, c/4)` without
 * bias, ReLU, `Linear(c/4, c)` without bias, hard sigmoid, channel-wise scale. It sits after the
 * depthwise (or FuSe) convolution's BatchNorm and before the block's activation.
 */
export interface SqueezeExcite {
  channels: number;
  reducedChannels: number;
  activation: 'relu';
  gate: 'hsigmoid';
  bias: false;
}

/** Channels of the two 1-D depthwise convolutions of a FuSe block. */
export interface FuseSplit {
  /** Channels of the 1×K convolution (the first chunk of the channels for `fuse_half`). */
  horizontal: number;
  /** Channels of the K×1 convolution. */
  vertical: number;
}

/** One searchable block: expansion (optional), depthwise or FuSe, optional SE, projection. */
export interface BlockSpec {
  /** Position among the searchable blocks (0-based); operator lists are indexed by it. */
  index: number;
  /** Stage the block belongs to (see the README for each network's stage grouping). */
  stage: number;
  /** PyTorch module path of the block, e.g. `features.3` or `layers.0`. */
  name: string;
  family: BlockFamily;
  operator: BlockOperator;
  inChannels: number;
  outChannels: number;
  /** Expansion ratio t (MobileNetV2, MnasNet); `null` where the reference has none. */
  expandRatio: number | null;
  /** Channels entering the depthwise / FuSe stage (= expansion channels). */
  hiddenChannels: number;
  /**
   * The 1×1 expansion convolution: `called` (built and used), `none` (not built) or `unused`
   * (built — so PyTorch counts its parameters — but never called: the reference's FuSe blocks
   * with expansion ratio 1).
   */
  expand: 'called' | 'none' | 'unused';
  kernel: number;
  stride: number;
  /** Padding of the spatial convolution: (K-1)/2 on each convolved side. */
  padding: number;
  /** The 1-D convolutions' channels for FuSe operators, `null` for `dw`. */
  fuse: FuseSplit | null;
  /** Input channels of the projection (pointwise) convolution. */
  projectInChannels: number;
  se: SqueezeExcite | null;
  /** Non-linearities after the expansion, the depthwise/FuSe stage and the projection. */
  activations: { expand: Activation; depthwise: Activation; project: Activation };
  /** Whether the block adds its input to its output (stride 1 and equal channels). */
  residual: boolean;
}

/** A whole network for one variant and set of options. Plain data: safe to serialise. */
export interface NetworkSpec {
  network: NetworkName;
  /** The named variant, or `custom` for an explicit operator list. */
  variant: VariantName | 'custom';
  /** One operator per searchable block (equal to `blocks.map(b => b.operator)`). */
  operators: BlockOperator[];
  width: number;
  inputSize: number;
  numClasses: number;
  /** Which stem the network was built with (`cifar`: the first two downsamplings removed). */
  stemKind: StemName;
  /** Input channels of the image (3). */
  inputChannels: number;
  stem: ConvOp[];
  blocks: BlockSpec[];
  head: HeadOp[];
}
