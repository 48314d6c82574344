/**
 * FuSeConv as a tfjs layer: the spatial stage of a FuSe block, a drop-in replacement for the
 * depthwise convolution of a depthwise-separable block.
 *
 * `FuseConv2D` holds two depthwise 1-D kernels, a 1×K ("horizontal") and a K×1 ("vertical"):
 * - `mode: 'full'` (D=1): both convolve every input channel; the output concatenates the 1×K
 *   results and the K×1 results, so it has 2·C channels (the reference's `conv2_h`, `conv2_v`
 *   over the whole input, `torch.cat([h, v], 1)`);
 * - `mode: 'half'` (D=2): the first ⌈C/2⌉ channels go through the 1×K kernel, the remaining ⌊C/2⌋
 *   through the K×1 kernel, and the output concatenates them back in that order (C channels;
 *   `torch.chunk(2, 1)` order).
 *
 * Padding is explicit zero padding of `padding` pixels on both sides of the convolved dimension
 * only (the reference's `padding=(0, p)` / `(p, 0)`), followed by a `'valid'` convolution: this
 * matches PyTorch exactly and avoids the wasm backend's wrong results for `'same'` padding with
 * stride 2 on 1×K/K×1 kernels (tensorflow/tfjs#6629). No bias (the reference's 1-D convolutions
 * have none; a BatchNorm follows).
 *
 * Weights: `kernel_h` of shape [1, K, C_h, 1] and `kernel_v` of shape [K, 1, C_v, 1] (tfjs
 * depthwise layout), initialised as PyTorch would initialise the reference's conv2_h / conv2_v
 * (`init`: the reference's Kaiming normal with fan-out channels·K, or PyTorch's default; init.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationLayer, type LayerArgs } from './activations.js';
import { fuseConv2d, fuseConvKernelAvailable } from './fuse-conv-kernel.js';
import { assertInitScheme, convWeightInit, type InitScheme } from './init.js';
import type { Activation, BlockOperator } from '../types.js';

export type FuseMode = 'full' | 'half';

export interface FuseConv2DArgs extends LayerArgs {
  /** `full` (D=1, 2·C output channels) or `half` (D=2, C output channels). */
  mode: FuseMode;
  /** K, the length of the 1-D kernels. */
  kernelSize: number;
  /** Stride in both dimensions (default 1). */
  strides?: number;
  /** Zeros added on each side of the convolved dimension (default ⌊(K−1)/2⌋, "same"). */
  padding?: number;
  /** Seed of the kernel initialiser (default unseeded). */
  seed?: number | null;
  /** PyTorch initialisation to reproduce (default `reference`; see init.ts). */
  init?: InitScheme;
}

/** Output length of a 1-D convolution with explicit padding, as PyTorch computes it. */
function convLength(length: number | null, kernel: number, padding: number, stride: number): number | null {
  if (length === null || length < 0) return null;
  return Math.floor((length + 2 * padding - kernel) / stride) + 1;
}

/** Channels of the 1×K and K×1 kernels for `channels` inputs. */
export function fuseChannels(mode: FuseMode, channels: number): { horizontal: number; vertical: number } {
  if (mode === 'full') return { horizontal: channels, vertical: channels };
  const horizontal = Math.ceil(channels / 2);
  return { horizontal, vertical: channels - horizontal };
}

/** The spatial stage of a FuSe block: 1×K and K×1 depthwise convolutions, concatenated. */
export class FuseConv2D extends tfl.layers.Layer {
  static readonly className = 'FuseConv2D';

  readonly mode: FuseMode;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly seed: number | null;
  readonly init: InitScheme;
  private kernelH: tfl.LayerVariable | null = null;
  private kernelV: tfl.LayerVariable | null = null;
  private split: { horizontal: number; vertical: number } | null = null;

  constructor(args: FuseConv2DArgs) {
    super(args);
    if (args.mode !== 'full' && args.mode !== 'half') {
      throw new Error(`FuseConv2D: mode must be 'full' or 'half', got ${JSON.stringify(args.mode)}`);
    }
    if (!Number.isInteger(args.kernelSize) || args.kernelSize < 1) {
      throw new Error(`FuseConv2D: kernelSize must be a positive integer, got ${args.kernelSize}`);
    }
    this.mode = args.mode;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? (args.kernelSize - 1) >> 1;
    this.seed = args.seed ?? null;
    this.init = args.init ?? 'reference';
    assertInitScheme(this.init);
    if (!Number.isInteger(this.strides) || this.strides < 1) {
      throw new Error(`FuseConv2D: strides must be a positive integer, got ${this.strides}`);
    }
    if (!Number.isInteger(this.padding) || this.padding < 0) {
      throw new Error(`FuseConv2D: padding must be a non-negative integer, got ${this.padding}`);
    }
    this.inputSpec = [{ ndim: 4 }];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (channels === null || channels === undefined || channels < 1) {
      throw new Error(`FuseConv2D: the channel dimension must be known, got input shape ${JSON.stringify(shape)}`);
    }
    const split = fuseChannels(this.mode, channels);
    if (split.vertical < 1) {
      throw new Error(`FuseConv2D: mode 'half' needs at least 2 channels, got ${channels}`);
    }
    const k = this.kernelSize;
    this.split = split;
    // Distinct seeds for the two kernels so they do not start identical.
    const seedV = this.seed === null ? null : this.seed + 1;
    // PyTorch's fans of conv2_h / conv2_v (groups = channels): fan_in K, fan_out channels·K.
    const hInit = convWeightInit(this.init, { fanIn: k, fanOut: k * split.horizontal }, this.seed);
    const vInit = convWeightInit(this.init, { fanIn: k, fanOut: k * split.vertical }, seedV);
    this.kernelH = this.addWeight('kernel_h', [1, k, split.horizontal, 1], 'float32', hInit, undefined, true);
    this.kernelV = this.addWeight('kernel_v', [k, 1, split.vertical, 1], 'float32', vInit, undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const [n, h, w, c] = shape;
    const k = this.kernelSize;
    const s = this.strides;
    const p = this.padding;
    // The 1×K path convolves W (padded) and strides H unpadded; the K×1 path the other way
    // round. For odd K and "same" padding both give the same size; report the 1×K path's.
    const outH = convLength(h ?? null, 1, 0, s);
    const outW = convLength(w ?? null, k, p, s);
    const channels = c === null || c === undefined ? null : this.mode === 'full' ? 2 * c : c;
    return [n ?? null, outH, outW, channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      if (this.kernelH === null || this.kernelV === null || this.split === null) {
        throw new Error('FuseConv2D: call before build');
      }
      const p = this.padding;
      const s = this.strides;
      if (x.dtype === 'float32' && fuseConvKernelAvailable()) {
        // One fused kernel (cpu, wasm): no split/pad/concat copies.
        const opts = { mode: this.mode, kernelSize: this.kernelSize, strides: s, padding: p };
        return fuseConv2d(x, this.kernelH.read() as tf.Tensor4D, this.kernelV.read() as tf.Tensor4D, opts);
      }
      let xh: tf.Tensor4D = x;
      let xv: tf.Tensor4D = x;
      if (this.mode === 'half') {
        [xh, xv] = tf.split(x, [this.split.horizontal, this.split.vertical], 3) as [tf.Tensor4D, tf.Tensor4D];
      }
      if (p > 0) {
        xh = tf.pad(xh, [
          [0, 0],
          [0, 0],
          [p, p],
          [0, 0],
        ]);
        xv = tf.pad(xv, [
          [0, 0],
          [p, p],
          [0, 0],
          [0, 0],
        ]);
      }
      const yh = tf.depthwiseConv2d(xh, this.kernelH.read() as tf.Tensor4D, s, 'valid');
      const yv = tf.depthwiseConv2d(xv, this.kernelV.read() as tf.Tensor4D, s, 'valid');
      if (yh.shape[1] !== yv.shape[1] || yh.shape[2] !== yv.shape[2]) {
        throw new Error(
          `FuseConv2D: the 1×K and K×1 outputs differ in size (${yh.shape.slice(1, 3).join('×')} vs ` +
            `${yv.shape.slice(1, 3).join('×')}); use an odd kernel with padding (K−1)/2`,
        );
      }
      return tf.concat([yh, yv], 3);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      mode: this.mode,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      seed: this.seed,
      init: this.init,
    };
  }
}

tf.serialization.registerClass(FuseConv2D);

/** `FuseConv2D` with `mode: 'full'` (D=1). */
export function fuseFullConv2d(args: Omit<FuseConv2DArgs, 'mode'>): FuseConv2D {
  return new FuseConv2D({ ...args, mode: 'full' });
}

/** `FuseConv2D` with `mode: 'half'` (D=2). */
export function fuseHalfConv2d(args: Omit<FuseConv2DArgs, 'mode'>): FuseConv2D {
  return new FuseConv2D({ ...args, mode: 'half' });
}

/** Options of {@link separableBlock}. */
export interface SeparableBlockOptions {
  /** `dw` (the K×K depthwise-separable block), `fuse_full` or `fuse_half`. */
  operator: BlockOperator;
  outChannels: number;
  /** K (default 3). */
  kernel?: number;
  /** Default 1. */
  stride?: number;
  /** Activation after the spatial stage's BatchNorm (default `relu`). */
  spatialActivation?: Activation;
  /** Activation after the pointwise conv's BatchNorm (default `relu`). */
  pointwiseActivation?: Activation;
  /** Prefix of the layer names (default `block`). */
  name?: string;
  /** Seed of the initialisers (default unseeded). */
  seed?: number | null;
  /** PyTorch initialisation to reproduce (default `reference`). */
  init?: InitScheme;
}

/** PyTorch's BatchNorm2d defaults: eps 1e-5, momentum 0.1 (tfjs momentum 0.9). */
export function batchNorm(name: string): tfl.layers.Layer {
  return tfl.layers.batchNormalization({ name, axis: -1, epsilon: 1e-5, momentum: 0.9 });
}

function applyLayer(layer: tfl.layers.Layer, x: tfl.SymbolicTensor): tfl.SymbolicTensor {
  return layer.apply(x) as tfl.SymbolicTensor;
}

/**
 * A depthwise-separable block on a symbolic tensor with the spatial operator chosen by
 * `operator`: spatial conv (K×K depthwise or FuSe) + BN + activation, then 1×1 conv + BN +
 * activation — MobileNetV1's block, and with `fuse_full`/`fuse_half` its FuSe drop-in.
 * Layer names: `<name>.op.pad` (depthwise at stride 2 only), `<name>.op`, `<name>.op.bn`, `<name>.op.act`,
 * `<name>.project`, `<name>.project.bn`, `<name>.project.act`.
 */
export function separableBlock(x: tfl.SymbolicTensor, options: SeparableBlockOptions): tfl.SymbolicTensor {
  const name = options.name ?? 'block';
  const k = options.kernel ?? 3;
  const seed = options.seed ?? null;
  const init = options.init ?? 'reference';
  let y = spatialStage(x, {
    name: `${name}.op`,
    operator: options.operator,
    kernel: k,
    stride: options.stride ?? 1,
    padding: (k - 1) >> 1,
    seed,
    init,
  });
  y = applyLayer(batchNorm(`${name}.op.bn`), y);
  const act1 = activationLayer(options.spatialActivation ?? 'relu', `${name}.op.act`);
  if (act1 !== null) y = applyLayer(act1, y);
  y = applyLayer(
    tfl.layers.conv2d({
      name: `${name}.project`,
      filters: options.outChannels,
      kernelSize: 1,
      useBias: false,
      kernelInitializer: convWeightInit(init, { fanIn: channelsOf(y), fanOut: options.outChannels }, seed === null ? null : seed + 2),
    }),
    y,
  );
  y = applyLayer(batchNorm(`${name}.project.bn`), y);
  const act2 = activationLayer(options.pointwiseActivation ?? 'relu', `${name}.project.act`);
  if (act2 !== null) y = applyLayer(act2, y);
  return y;
}

function channelsOf(x: tfl.SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (c === null || c === undefined) throw new Error(`the channel dimension must be known, got shape ${JSON.stringify(x.shape)}`);
  return c;
}

/**
 * How a K×K convolution with PyTorch's symmetric `padding` is built: `'same'` when that is the
 * same function (stride 1, padding (K − 1)/2: TF's 'same' pads (K − 1)/2 on each side then), else
 * `'explicit'`, a `ZeroPadding2D` before a `'valid'` convolution — at stride 2 TF's 'same' pads
 * the bottom/right where PyTorch's effective padding is top/left. The explicit layer is avoided
 * where it can be because it costs a pad kernel forward and a slice kernel backward per
 * convolution (3–7 % of a CIFAR MobileNetV2 training step on wasm, measured: libs/nos README
 * "Backend").
 */
export function paddingMode(kernel: number, stride: number, padding: number): 'none' | 'same' | 'explicit' {
  if (padding === 0) return 'none';
  return stride === 1 && 2 * padding === kernel - 1 ? 'same' : 'explicit';
}

/**
 * The spatial convolution alone: for `dw`, a K×K `DepthwiseConv2D` named `<name>` — `'same'`
 * padding, or explicit zero padding (`<name>.pad`) and `'valid'` where {@link paddingMode} says
 * so; for FuSe operators a {@link FuseConv2D} named `<name>`.
 */
export function spatialStage(
  x: tfl.SymbolicTensor,
  options: {
    name: string;
    operator: BlockOperator;
    kernel: number;
    stride: number;
    padding: number;
    seed: number | null;
    init?: InitScheme;
  },
): tfl.SymbolicTensor {
  const { name, operator, kernel, stride, padding, seed } = options;
  const init = options.init ?? 'reference';
  if (operator === 'dw') {
    const mode = paddingMode(kernel, stride, padding);
    let y = x;
    if (mode === 'explicit') {
      y = applyLayer(
        tfl.layers.zeroPadding2d({
          name: `${name}.pad`,
          padding: [
            [padding, padding],
            [padding, padding],
          ],
        }),
        y,
      );
    }
    return applyLayer(
      tfl.layers.depthwiseConv2d({
        name,
        kernelSize: kernel,
        strides: stride,
        padding: mode === 'same' ? 'same' : 'valid',
        depthMultiplier: 1,
        useBias: false,
        // groups = channels: fan_in K·K, fan_out channels·K·K.
        depthwiseInitializer: convWeightInit(init, { fanIn: kernel * kernel, fanOut: kernel * kernel * channelsOf(x) }, seed),
      }),
      y,
    );
  }
  return applyLayer(
    new FuseConv2D({ name, mode: operator === 'fuse_full' ? 'full' : 'half', kernelSize: kernel, strides: stride, padding, seed, init }),
    x,
  );
}
