/**
 * The fused batch-norm + activation kernels (see batch-norm-activation.ts for the op and the layer):
 * the forward and backward passes as plain loops over Float32Arrays, and the tfjs kernel functions
 * that read their inputs from, and allocate their outputs on, the cpu or wasm backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Activations that fuse into the batch norm. */
export type FusedActivation = 'linear' | 'relu' | 'relu6';

export const BATCH_NORM_ACT_TRAIN = 'FuselabBatchNormActTrain';
export const BATCH_NORM_ACT_GRAD = 'FuselabBatchNormActGrad';
/**
 * The moving-average update of both statistics as one kernel, with no gradient. As tfjs ops it was
 * six kernels per layer (sub, mul, sub for each), each recorded on the gradient tape with clones of
 * its inputs: ~940 of a CIFAR MobileNetV2 step's ~1,800 kernel calls, for 52 vectors of a few dozen
 * values.
 */
export const BATCH_NORM_MOVING = 'FuselabBatchNormMoving';

const ACT_CODE: Record<FusedActivation, number> = { linear: 0, relu: 1, relu6: 2 };

export function activationCode(a: unknown): number {
  const code = ACT_CODE[a as FusedActivation];
  if (code === undefined) throw new Error(`BatchNormActivation: unknown activation ${JSON.stringify(a)}`);
  return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Math on Float32Arrays (NHWC-like: channels innermost)                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * Training forward. `x` has `C` channels innermost; writes `y` (same length) and the batch
 * `mean`/`variance` (biased) per channel.
 */
export function batchNormActForward(
  x: Float32Array,
  C: number,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  activation: FusedActivation,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const n = x.length;
  const M = n / C;
  const shift = new Float64Array(C);
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  if (M > 0) for (let c = 0; c < C; c++) shift[c] = x[c] as number;
  for (let base = 0; base < n; base += C) {
    for (let c = 0; c < C; c++) {
      const d = (x[base + c] as number) - (shift[c] as number);
      s1[c] = (s1[c] as number) + d;
      s2[c] = (s2[c] as number) + d * d;
    }
  }
  const k = new Float64Array(C);
  const b = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const m1 = M > 0 ? (s1[c] as number) / M : 0;
    const v = M > 0 ? Math.max(0, (s2[c] as number) / M - m1 * m1) : 0;
    const mu = (shift[c] as number) + m1;
    mean[c] = mu;
    variance[c] = v;
    const kc = (gamma[c] as number) / Math.sqrt(v + epsilon);
    k[c] = kc;
    b[c] = (beta[c] as number) - mu * kc;
  }
  const code = ACT_CODE[activation];
  if (code === 0) {
    for (let base = 0; base < n; base += C) {
      for (let c = 0; c < C; c++) y[base + c] = (x[base + c] as number) * (k[c] as number) + (b[c] as number);
    }
  } else {
    const hi = code === 2 ? 6 : Infinity;
    for (let base = 0; base < n; base += C) {
      for (let c = 0; c < C; c++) {
        const v = (x[base + c] as number) * (k[c] as number) + (b[c] as number);
        y[base + c] = v > 0 ? (v < hi ? v : hi) : 0;
      }
    }
  }
}

/**
 * Training backward: from `dy`, the input `x` and the batch statistics, writes `dx` and the
 * per-channel `dGamma`, `dBeta`. The activation's derivative is taken on the pre-activation
 * recomputed from x (ReLU passes where it is > 0; ReLU6 where it is in (0, 6], like tfjs).
 */
export function batchNormActBackward(
  dy: Float32Array,
  x: Float32Array,
  C: number,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  activation: FusedActivation,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const n = x.length;
  const M = n / C;
  const r = new Float64Array(C);
  const k = new Float64Array(C);
  const b = new Float64Array(C);
  const mu = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const rc = 1 / Math.sqrt((variance[c] as number) + epsilon);
    r[c] = rc;
    mu[c] = mean[c] as number;
    k[c] = (gamma[c] as number) * rc;
    b[c] = (beta[c] as number) - (mu[c] as number) * (k[c] as number);
  }
  const code = ACT_CODE[activation];
  const hi = code === 2 ? 6 : Infinity;
  const sdz = new Float64Array(C);
  const sdzx = new Float64Array(C);
  // Pass 1: Σ dz and Σ dz·(x − mean); dz is kept in dx for pass 2.
  if (code === 0) {
    for (let base = 0; base < n; base += C) {
      for (let c = 0; c < C; c++) {
        const g = dy[base + c] as number;
        sdz[c] = (sdz[c] as number) + g;
        sdzx[c] = (sdzx[c] as number) + g * ((x[base + c] as number) - (mu[c] as number));
      }
    }
  } else {
    for (let base = 0; base < n; base += C) {
      for (let c = 0; c < C; c++) {
        const xv = x[base + c] as number;
        const pre = xv * (k[c] as number) + (b[c] as number);
        const g = pre > 0 && pre <= hi ? (dy[base + c] as number) : 0;
        dx[base + c] = g;
        sdz[c] = (sdz[c] as number) + g;
        sdzx[c] = (sdzx[c] as number) + g * (xv - (mu[c] as number));
      }
    }
  }
  // dx = k·dz + w·x + u with w = −k·r²·Σdz(x−μ)/M, u = −k·Σdz/M − w·μ.
  const w = new Float64Array(C);
  const u = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const rc = r[c] as number;
    dBeta[c] = sdz[c] as number;
    dGamma[c] = rc * (sdzx[c] as number);
    const wc = M > 0 ? (-(k[c] as number) * rc * rc * (sdzx[c] as number)) / M : 0;
    w[c] = wc;
    u[c] = (M > 0 ? (-(k[c] as number) * (sdz[c] as number)) / M : 0) - wc * (mu[c] as number);
  }
  const src = code === 0 ? dy : dx;
  for (let base = 0; base < n; base += C) {
    for (let c = 0; c < C; c++) {
      dx[base + c] = (src[base + c] as number) * (k[c] as number) + (x[base + c] as number) * (w[c] as number) + (u[c] as number);
    }
  }
}

/**
 * `moving − (moving − batch)·decay` per value, rounded to float32 after each operation exactly as
 * tfjs's sub and mul kernels round it (`decay` as the float32 scalar `tf.mul` makes of it), so the
 * moving statistics are bitwise those of the unfused ops. A float32 sum, difference or product
 * computed in float64 and rounded once is the correctly rounded float32 result.
 */
export function movingAverageUpdate(moving: Float32Array, batch: Float32Array, decay: number, out: Float32Array): void {
  const d = Math.fround(decay);
  for (let c = 0; c < moving.length; c++) {
    const m = moving[c] as number;
    out[c] = m - Math.fround(Math.fround(m - (batch[c] as number)) * d);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Kernels for the cpu and wasm backends                                                      */
/* ------------------------------------------------------------------------------------------ */

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Reading inputs and allocating float32 outputs on the cpu or the wasm backend. */
interface Io {
  read(t: tf.TensorInfo): Float32Array;
  /** Allocates every output first (wasm may grow its heap), then returns their arrays. */
  alloc(shapes: number[][]): Array<[tf.TensorInfo, Float32Array]>;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}
interface CpuLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): tf.TensorInfo;
}

function io(backend: unknown): Io {
  const w = backend as Partial<WasmLike>;
  if (typeof w.typedArrayFromHeap === 'function' && typeof w.makeOutput === 'function') {
    const b = backend as WasmLike;
    const read = (t: tf.TensorInfo): Float32Array => b.typedArrayFromHeap(t) as Float32Array;
    return {
      read,
      alloc: (shapes) => {
        const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
        return outs.map((t) => [t, read(t)]);
      },
    };
  }
  const c = backend as CpuLike;
  return {
    read: (t) => c.readSync(t.dataId) as Float32Array,
    alloc: (shapes) =>
      shapes.map((s) => {
        const v = new Float32Array(tf.util.sizeFromShape(s));
        return [c.makeTensorInfo(s, 'float32', v), v];
      }),
  };
}

export function trainKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const a = attrs ?? {};
  const C = x.shape[x.shape.length - 1] as number;
  const b = io(backend);
  const [[y, yv], [mean, mv], [variance, vv]] = b.alloc([x.shape, [C], [C]]) as Array<[tf.TensorInfo, Float32Array]> as [
    [tf.TensorInfo, Float32Array],
    [tf.TensorInfo, Float32Array],
    [tf.TensorInfo, Float32Array],
  ];
  batchNormActForward(b.read(x), C, b.read(gamma), b.read(beta), a['epsilon'] as number, a['activation'] as FusedActivation, yv, mv, vv);
  return [y, mean, variance];
}

export function gradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, mean, variance, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  if (!dy || !x || !mean || !variance || !gamma || !beta) throw new Error(`${BATCH_NORM_ACT_GRAD}: missing input`);
  const a = attrs ?? {};
  const C = x.shape[x.shape.length - 1] as number;
  const b = io(backend);
  const [[dx, dxv], [dGamma, dgv], [dBeta, dbv]] = b.alloc([x.shape, [C], [C]]) as [
    [tf.TensorInfo, Float32Array],
    [tf.TensorInfo, Float32Array],
    [tf.TensorInfo, Float32Array],
  ];
  batchNormActBackward(
    b.read(dy),
    b.read(x),
    C,
    b.read(mean),
    b.read(variance),
    b.read(gamma),
    b.read(beta),
    a['epsilon'] as number,
    a['activation'] as FusedActivation,
    dxv,
    dgv,
    dbv,
  );
  return [dx, dGamma, dBeta];
}

export function movingKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { movingMean, movingVariance, mean, variance } = inputs as Record<string, tf.TensorInfo>;
  if (!movingMean || !movingVariance || !mean || !variance) throw new Error(`${BATCH_NORM_MOVING}: missing input`);
  const decay = (attrs ?? {})['decay'] as number;
  const b = io(backend);
  const [[newMean, nmv], [newVariance, nvv]] = b.alloc([movingMean.shape, movingVariance.shape]) as [
    [tf.TensorInfo, Float32Array],
    [tf.TensorInfo, Float32Array],
  ];
  movingAverageUpdate(b.read(movingMean), b.read(mean), decay, nmv);
  movingAverageUpdate(b.read(movingVariance), b.read(variance), decay, nvv);
  return [newMean, newVariance];
}

/** Backends with the JavaScript kernels. */
export const BATCH_NORM_ACT_BACKENDS = ['cpu', 'wasm'] as const;
