/**
 * The FuSe spatial stage (see `FuseConv2D`) as one kernel, forward and backward.
 *
 * Composed of tfjs ops, a FuSe-half stage is split → pad → two depthwise convolutions → concat,
 * and its gradient slices, un-pads and concatenates again: five copies of the activation besides
 * the arithmetic, which is tiny (K multiply-adds per output). `FuselabFuseConv2D` reads the input
 * once and writes the output once (zero padding is implicit in the index arithmetic);
 * `FuselabFuseConv2DGrad` computes dx, dkernel_h and dkernel_v in one call. Plain JavaScript
 * loops over Float32Arrays, registered for the `cpu` and `wasm` backends (the wasm backend may
 * replace them with SIMD versions); other backends use the composed ops.
 *
 * A stage is two segments, each a 1-D depthwise convolution between channel ranges:
 * - `half`: channels [0, Ch) through the 1×K kernel (along W) into output channels [0, Ch), and
 *   [Ch, C) through the K×1 kernel (along H) into [Ch, C);
 * - `full`: all C channels through 1×K into output [0, C) and through K×1 into [C, 2C).
 * Padding `p` applies to the convolved axis only; both axes are strided by `s`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerMissingKernels } from './kernel-registration.js';

export const FUSE_CONV = 'FuselabFuseConv2D';
export const FUSE_CONV_GRAD = 'FuselabFuseConv2DGrad';

export type FuseMode = 'full' | 'half';

/** One 1-D depthwise segment: input channels [i0, i0+Cb) → output channels [o0, o0+Cb). */
export interface FuseSegment {
  /** false: 1×K along W; true: K×1 along H. */
  vertical: boolean;
  i0: number;
  o0: number;
  Cb: number;
}

export interface FuseGeometry {
  N: number;
  H: number;
  W: number;
  Cin: number;
  Ho: number;
  Wo: number;
  Cout: number;
  K: number;
  s: number;
  p: number;
  /** [horizontal, vertical] */
  segments: [FuseSegment, FuseSegment];
}

export function fuseGeometry(
  xShape: readonly number[],
  mode: FuseMode,
  K: number,
  s: number,
  p: number,
  horizontalChannels: number,
): FuseGeometry {
  const [N, H, W, C] = xShape as [number, number, number, number];
  const HoH = Math.floor((H - 1) / s) + 1;
  const WoH = Math.floor((W + 2 * p - K) / s) + 1;
  const HoV = Math.floor((H + 2 * p - K) / s) + 1;
  const WoV = Math.floor((W - 1) / s) + 1;
  if (HoH !== HoV || WoH !== WoV || HoH < 1 || WoH < 1) {
    throw new Error(
      `FuseConv2D: the 1×K and K×1 outputs differ in size (${HoH}×${WoH} vs ${HoV}×${WoV}); use an odd kernel with padding (K−1)/2`,
    );
  }
  const Ch = mode === 'full' ? C : horizontalChannels;
  const segments: [FuseSegment, FuseSegment] =
    mode === 'full'
      ? [
          { vertical: false, i0: 0, o0: 0, Cb: C },
          { vertical: true, i0: 0, o0: C, Cb: C },
        ]
      : [
          { vertical: false, i0: 0, o0: 0, Cb: Ch },
          { vertical: true, i0: Ch, o0: Ch, Cb: C - Ch },
        ];
  return { N, H, W, Cin: C, Ho: HoH, Wo: WoH, Cout: mode === 'full' ? 2 * C : C, K, s, p, segments };
}

/**
 * One segment, all images. role 0: y += w·x (forward); 1: dx += w·dy; 2: dw += x·dy
 * (`acc` in float64 for the filter gradient). `x`/`g` are the input-side / output-side tensors.
 */
function segmentPass(
  role: 0 | 1 | 2,
  geo: FuseGeometry,
  seg: FuseSegment,
  x: Float32Array,
  g: Float32Array,
  w: Float32Array,
  acc: Float64Array | null,
): void {
  const { N, H, W, Cin, Ho, Wo, Cout, K, s, p } = geo;
  const { vertical, i0, o0, Cb } = seg;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const go = ((n * Ho + oh) * Wo + ow) * Cout + o0;
        for (let k = 0; k < K; k++) {
          const ih = vertical ? oh * s + k - p : oh * s;
          const iw = vertical ? ow * s : ow * s + k - p;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          const xo = ((n * H + ih) * W + iw) * Cin + i0;
          const wo = k * Cb;
          if (role === 0) {
            for (let c = 0; c < Cb; c++) g[go + c] = (g[go + c] as number) + (w[wo + c] as number) * (x[xo + c] as number);
          } else if (role === 1) {
            for (let c = 0; c < Cb; c++) x[xo + c] = (x[xo + c] as number) + (w[wo + c] as number) * (g[go + c] as number);
          } else {
            const a = acc as Float64Array;
            for (let c = 0; c < Cb; c++) a[wo + c] = (a[wo + c] as number) + (x[xo + c] as number) * (g[go + c] as number);
          }
        }
      }
    }
  }
}

/** Forward: `y` (zeroed by the caller, [N, Ho, Wo, Cout]). */
export function fuseConvForward(geo: FuseGeometry, x: Float32Array, kernelH: Float32Array, kernelV: Float32Array, y: Float32Array): void {
  segmentPass(0, geo, geo.segments[0], x, y, kernelH, null);
  segmentPass(0, geo, geo.segments[1], x, y, kernelV, null);
}

/** Backward: `dx` (zeroed by the caller), `dKernelH`, `dKernelV`. */
export function fuseConvBackward(
  geo: FuseGeometry,
  dy: Float32Array,
  x: Float32Array,
  kernelH: Float32Array,
  kernelV: Float32Array,
  dx: Float32Array,
  dKernelH: Float32Array,
  dKernelV: Float32Array,
): void {
  const [h, v] = geo.segments;
  segmentPass(1, geo, h, dx, dy, kernelH, null);
  segmentPass(1, geo, v, dx, dy, kernelV, null);
  const accH = new Float64Array(dKernelH.length);
  const accV = new Float64Array(dKernelV.length);
  segmentPass(2, geo, h, x, dy, kernelH, accH);
  segmentPass(2, geo, v, x, dy, kernelV, accV);
  dKernelH.set(accH);
  dKernelV.set(accV);
}

/* ------------------------------------------------------------------------------------------ */
/* Kernels                                                                                    */
/* ------------------------------------------------------------------------------------------ */

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}
interface CpuLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): tf.TensorInfo;
}

/** Allocates the float32 outputs first (wasm may grow its heap), then maps inputs and outputs. */
function arrays(backend: unknown, inputs: tf.TensorInfo[], shapes: number[][]): [tf.TensorInfo[], Float32Array[], Float32Array[]] {
  const w = backend as Partial<WasmLike>;
  if (typeof w.typedArrayFromHeap === 'function' && typeof w.makeOutput === 'function') {
    const b = backend as WasmLike;
    const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
    const view = (t: tf.TensorInfo): Float32Array => b.typedArrayFromHeap(t) as Float32Array;
    return [outs, inputs.map(view), outs.map(view)];
  }
  const c = backend as CpuLike;
  const vals = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
  const outs = shapes.map((s, i) => c.makeTensorInfo(s, 'float32', vals[i]));
  return [outs, inputs.map((t) => c.readSync(t.dataId) as Float32Array), vals];
}

/** Geometry of a kernel call from its inputs and attributes. */
export function fuseGeometryFromAttrs(x: tf.TensorInfo, kernelH: tf.TensorInfo, attrs: tf.NamedAttrMap): FuseGeometry {
  return fuseGeometry(
    x.shape,
    attrs['mode'] as FuseMode,
    attrs['kernelSize'] as number,
    attrs['strides'] as number,
    attrs['padding'] as number,
    kernelH.shape[2] as number,
  );
}

function forwardKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, kernelH, kernelV } = inputs as Record<string, tf.TensorInfo>;
  if (!x || !kernelH || !kernelV) throw new Error(`${FUSE_CONV}: missing input`);
  const geo = fuseGeometryFromAttrs(x, kernelH, attrs ?? {});
  const [[y], [xv, kh, kv], [yv]] = arrays(backend, [x, kernelH, kernelV], [[geo.N, geo.Ho, geo.Wo, geo.Cout]]) as [
    tf.TensorInfo[],
    Float32Array[],
    Float32Array[],
  ];
  (yv as Float32Array).fill(0);
  fuseConvForward(geo, xv as Float32Array, kh as Float32Array, kv as Float32Array, yv as Float32Array);
  return y as tf.TensorInfo;
}

function gradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, kernelH, kernelV } = inputs as Record<string, tf.TensorInfo>;
  if (!dy || !x || !kernelH || !kernelV) throw new Error(`${FUSE_CONV_GRAD}: missing input`);
  const geo = fuseGeometryFromAttrs(x, kernelH, attrs ?? {});
  const [outs, ins, vals] = arrays(backend, [dy, x, kernelH, kernelV], [x.shape, kernelH.shape, kernelV.shape]);
  const [dyv, xv, kh, kv] = ins as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [dx, dkh, dkv] = vals as [Float32Array, Float32Array, Float32Array];
  dx.fill(0);
  fuseConvBackward(geo, dyv, xv, kh, kv, dx, dkh, dkv);
  return outs;
}

export const FUSE_CONV_BACKENDS = ['cpu', 'wasm'] as const;

let registered = false;

/** Registers the JavaScript kernels for cpu and wasm (unless already registered) and the gradient. */
export function registerFuseConvKernels(): void {
  if (registered) return;
  registerMissingKernels(FUSE_CONV_BACKENDS, [
    [FUSE_CONV, forwardKernel],
    [FUSE_CONV_GRAD, gradKernel],
  ]);
  tf.registerGradient({
    kernelName: FUSE_CONV,
    inputsToSave: ['x', 'kernelH', 'kernelV'],
    gradFunc: (dy, saved, attrs) => {
      const [x, kernelH, kernelV] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      // Computed eagerly: each thunk runs in its own tidy, which would dispose the siblings.
      const [dx, dkh, dkv] = tf
        .engine()
        .runKernel(FUSE_CONV_GRAD, { dy: dy as tf.Tensor, x, kernelH, kernelV } as never, attrs) as unknown as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      return { x: () => dx, kernelH: () => dkh, kernelV: () => dkv };
    },
  });
  registered = true;
}

/** True when the active backend has the fused FuSe kernels. */
export function fuseConvKernelAvailable(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(FUSE_CONV, b) !== undefined && tf.getKernel(FUSE_CONV_GRAD, b) !== undefined;
}

/** The fused FuSe stage (callers check {@link fuseConvKernelAvailable} first). */
export function fuseConv2d(
  x: tf.Tensor4D,
  kernelH: tf.Tensor4D,
  kernelV: tf.Tensor4D,
  options: { mode: FuseMode; kernelSize: number; strides: number; padding: number },
): tf.Tensor4D {
  registerFuseConvKernels();
  return tf.engine().runKernel(FUSE_CONV, { x, kernelH, kernelV } as never, { ...options }) as tf.Tensor4D;
}

registerFuseConvKernels();
