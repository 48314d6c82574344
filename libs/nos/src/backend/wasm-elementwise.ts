/**
 * Faster wasm-backend kernels for the element-wise and reduction work of a training step.
 *
 * Profiling a MobileNet-style training step on tfjs-backend-wasm 4.22 showed most of the time in
 * kernels that are not convolutions: `Tile` (broadcasting batch-norm statistics, ~90 ns/element),
 * `Sum`/`Mean` over the N,H,W axes (the wasm kernels transpose first), the scalar-broadcast
 * comparisons, `LogicalAnd` and `Select` of the clip/ReLU6 gradient, `FusedBatchNorm`, and
 * `Identity` (which copies), and `Slice` (the gradient of every explicit zero padding, which the wasm
 * kernel copies one innermost row — C floats — at a time). These replacements are plain JavaScript loops over the wasm heap for the
 * common shapes, and fall back to the original wasm kernel for anything else.
 */
import { backend_util, getKernel, slice_util, util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

import { originalKernel, type KernelRegistration } from './register.js';
import type { KernelArgs as Args, WasmHeapBackend as Backend } from './wasm-backend-types.js';

/** Per-backend cache of all-ones vectors used to reduce with a matrix-vector product. */
const onesCache = new WeakMap<object, Map<number, TensorInfo>>();
function ones(b: Backend, n: number): TensorInfo {
  let m = onesCache.get(b);
  if (m === undefined) {
    m = new Map();
    onesCache.set(b, m);
  }
  let t = m.get(n);
  if (t === undefined) {
    t = b.makeOutput([1, n], 'float32');
    f32(b, t).fill(1);
    m.set(n, t);
  }
  return t;
}

/** Below this many rows the column sums run as a JavaScript loop instead of a GEMV. */
const GEMV_MIN_ROWS = 64;

type Impl = (args: Args, fallback: KernelFunc) => TensorInfo | TensorInfo[];

function f32(b: Backend, t: TensorInfo): Float32Array {
  return b.typedArrayFromHeap(t) as Float32Array;
}
function i32(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}
function u8(b: Backend, t: TensorInfo): Uint8Array {
  return b.typedArrayFromHeap(t) as Uint8Array;
}
function size(t: TensorInfo): number {
  return util.sizeFromShape(t.shape);
}
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Identity shares the data (reference count) instead of copying it, as the cpu backend does. */
const identity: Impl = (args, fallback) => {
  const x = args.inputs['x'];
  if (x === undefined || x.dtype === 'string') return fallback(args);
  (args.backend as Backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Fills `out` by repeating the first `filled` elements (from `start`) up to `total` elements. */
function repeatBlock(out: backend_util.TypedArray, start: number, filled: number, total: number): void {
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

const tile: Impl = (args, fallback) => {
  const x = args.inputs['x'];
  const reps = args.attrs?.['reps'] as number[] | undefined;
  if (x === undefined || reps === undefined || x.dtype === 'string' || reps.length !== x.shape.length) {
    return fallback(args);
  }
  const b = args.backend as Backend;
  const rank = x.shape.length;
  const outShape = x.shape.map((s, i) => s * (reps[i] as number));
  const out = b.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  if (rank === 0) {
    b.typedArrayFromHeap(out).set(b.typedArrayFromHeap(x));
    return out;
  }
  const src = b.typedArrayFromHeap(x);
  const dst = b.typedArrayFromHeap(out);
  const inStrides = util.computeStrides(x.shape);
  const outStrides = util.computeStrides(outShape);
  const inStride = (d: number): number => (d === rank - 1 ? 1 : (inStrides[d] as number));
  const outStride = (d: number): number => (d === rank - 1 ? 1 : (outStrides[d] as number));
  const fill = (d: number, inOff: number, outOff: number): void => {
    const s = x.shape[d] as number;
    if (d === rank - 1) {
      dst.set(src.subarray(inOff, inOff + s), outOff);
    } else {
      for (let j = 0; j < s; j++) fill(d + 1, inOff + j * inStride(d), outOff + j * outStride(d));
    }
    const block = s * outStride(d);
    repeatBlock(dst, outOff, block, block * (reps[d] as number));
  };
  fill(0, 0, 0);
  return out;
};

/**
 * Sum / Mean over leading axes [0..k) of a float32 tensor (e.g. N,H,W of NHWC) as a matrix-vector
 * product ones[1, outer] · x[outer, inner] on XNNPACK (the wasm Sum kernel transposes first);
 * small cases use a JavaScript loop. Other reductions go to the wasm kernel.
 */
function reduceLeading(mean: boolean): Impl {
  return (args, fallback) => {
    const x = args.inputs['x'];
    const attrs = args.attrs ?? {};
    if (x === undefined || x.dtype !== 'float32') return fallback(args);
    const axes = util.parseAxisParam(attrs['axis'] as number | number[], x.shape).sort((a, c) => a - c);
    const k = axes.length;
    if (k === 0 || axes.some((a, i) => a !== i)) return fallback(args);
    const outer = util.sizeFromShape(x.shape.slice(0, k));
    const inner = util.sizeFromShape(x.shape.slice(k));
    const keepDims = attrs['keepDims'] === true;
    const outShape = keepDims ? x.shape.map((s, i) => (i < k ? 1 : s)) : x.shape.slice(k);
    const b = args.backend as Backend;
    const matMul = getKernel('BatchMatMul', 'wasm');
    if (outer >= GEMV_MIN_ROWS && inner > 0 && matMul !== undefined) {
      const o = ones(b, outer);
      const res = matMul.kernelFunc({
        inputs: {
          a: { dataId: o.dataId, shape: [1, 1, outer], dtype: 'float32' },
          b: { dataId: x.dataId, shape: [1, outer, inner], dtype: 'float32' },
        },
        backend: b,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo;
      if (mean) {
        const v = f32(b, res);
        const s = 1 / outer;
        for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * s;
      }
      return { dataId: res.dataId, shape: outShape, dtype: 'float32' };
    }
    const out = b.makeOutput(outShape, 'float32');
    const src = f32(b, x);
    const acc = new Float64Array(inner);
    for (let m = 0; m < outer; m++) {
      const base = m * inner;
      for (let i = 0; i < inner; i++) acc[i] = (acc[i] as number) + (src[base + i] as number);
    }
    const dst = f32(b, out);
    const scale = mean ? 1 / outer : 1;
    for (let i = 0; i < inner; i++) dst[i] = (acc[i] as number) * scale;
    return out;
  };
}

/** Whether a batch-norm parameter is per-channel (last axis, size C) or a scalar. */
function channelParamOk(t: TensorInfo | undefined, channels: number): boolean {
  if (t === undefined) return true;
  if (t.dtype !== 'float32') return false;
  const n = size(t);
  return n === 1 || (n === channels && t.shape[t.shape.length - 1] === channels);
}

function channelValues(b: Backend, t: TensorInfo | undefined, channels: number, dflt: number): Float64Array {
  const out = new Float64Array(channels);
  if (t === undefined) return out.fill(dflt);
  const v = f32(b, t);
  if (v.length === 1) return out.fill(v[0] as number);
  out.set(v);
  return out;
}

const fusedBatchNorm: Impl = (args, fallback) => {
  const { x, mean, variance, offset, scale } = args.inputs;
  if (x === undefined || mean === undefined || variance === undefined || x.dtype !== 'float32') {
    return fallback(args);
  }
  const C = x.shape[x.shape.length - 1] ?? 1;
  if (![mean, variance, offset, scale].every((t) => channelParamOk(t, C))) {
    return fallback(args);
  }
  const eps = (args.attrs?.['varianceEpsilon'] as number | undefined) ?? 0.001;
  const b = args.backend as Backend;
  const out = b.makeOutput(x.shape, 'float32');
  const m = channelValues(b, mean, C, 0);
  const v = channelValues(b, variance, C, 1);
  const o = channelValues(b, offset, C, 0);
  const s = channelValues(b, scale, C, 1);
  const k = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const kc = (s[c] as number) / Math.sqrt((v[c] as number) + eps);
    k[c] = kc;
    shift[c] = (o[c] as number) - (m[c] as number) * kc;
  }
  const src = f32(b, x);
  const dst = f32(b, out);
  const n = src.length;
  for (let base = 0; base < n; base += C) {
    for (let c = 0; c < C; c++) {
      dst[base + c] = (src[base + c] as number) * (k[c] as number) + (shift[c] as number);
    }
  }
  return out;
};

type CmpOp = 'ge' | 'le' | 'gt' | 'lt';

/** dst[i] = a[i*ia] OP b[i*ib] (ia, ib ∈ {0, 1}: scalar or element-wise), without branches. */
function compareLoop(op: CmpOp, dst: Uint8Array, a: Float32Array, ia: number, b: Float32Array, ib: number): void {
  const n = dst.length;
  switch (op) {
    case 'ge':
      for (let i = 0; i < n; i++) dst[i] = +((a[i * ia] as number) >= (b[i * ib] as number));
      break;
    case 'le':
      for (let i = 0; i < n; i++) dst[i] = +((a[i * ia] as number) <= (b[i * ib] as number));
      break;
    case 'gt':
      for (let i = 0; i < n; i++) dst[i] = +((a[i * ia] as number) > (b[i * ib] as number));
      break;
    case 'lt':
      for (let i = 0; i < n; i++) dst[i] = +((a[i * ia] as number) < (b[i * ib] as number));
      break;
  }
}

/** Comparison of float32 tensors of equal shape, or with a scalar on either side. */
function compare(op: CmpOp): Impl {
  return (args, fallback) => {
    const { a, b: bt } = args.inputs;
    if (a === undefined || bt === undefined || a.dtype !== 'float32' || bt.dtype !== 'float32') {
      return fallback(args);
    }
    const b = args.backend as Backend;
    const na = size(a);
    const nb = size(bt);
    let outShape: number[];
    if (sameShape(a.shape, bt.shape)) outShape = a.shape;
    else if (nb === 1 && bt.shape.length <= a.shape.length) outShape = a.shape;
    else if (na === 1 && a.shape.length <= bt.shape.length) outShape = bt.shape;
    else return fallback(args);
    const out = b.makeOutput(outShape, 'bool');
    const dst = u8(b, out);
    const n = dst.length;
    compareLoop(op, dst, f32(b, a), na === n ? 1 : 0, f32(b, bt), nb === n ? 1 : 0);
    return out;
  };
}

const logicalAnd: Impl = (args, fallback) => {
  const { a, b: bt } = args.inputs;
  if (a === undefined || bt === undefined || a.dtype !== 'bool' || bt.dtype !== 'bool' || !sameShape(a.shape, bt.shape)) {
    return fallback(args);
  }
  const b = args.backend as Backend;
  const out = b.makeOutput(a.shape, 'bool');
  const dst = u8(b, out);
  const av = u8(b, a);
  const bv = u8(b, bt);
  for (let i = 0; i < dst.length; i++) dst[i] = +((av[i] as number) !== 0) & +((bv[i] as number) !== 0);
  return out;
};

const select: Impl = (args, fallback) => {
  const { condition, t, e } = args.inputs;
  if (
    condition === undefined ||
    t === undefined ||
    e === undefined ||
    t.dtype !== 'float32' ||
    e.dtype !== 'float32' ||
    condition.dtype !== 'bool' ||
    !sameShape(condition.shape, t.shape) ||
    !sameShape(t.shape, e.shape)
  ) {
    return fallback(args);
  }
  const b = args.backend as Backend;
  const out = b.makeOutput(t.shape, 'float32');
  const dst = i32(f32(b, out));
  const c = u8(b, condition);
  const tv = i32(f32(b, t));
  const ev = i32(f32(b, e));
  // Branchless bit select (exact for every float, including NaN payloads).
  for (let i = 0; i < dst.length; i++) {
    const m = -+((c[i] as number) !== 0);
    dst[i] = ((tv[i] as number) & m) | ((ev[i] as number) & ~m);
  }
  return out;
};

/**
 * Slice as a few long copies: the trailing axes the slice takes whole (for the gradient of a
 * spatial zero padding of NHWC data: the channels, so each kept row of W × C floats) are one
 * contiguous run per index of the leading axes. The wasm kernel makes a subarray per C floats
 * (~50 ms per training step of a CIFAR MobileNetV2 at batch 32 went there).
 */
const slice: Impl = (args, fallback) => {
  const x = args.inputs['x'];
  if (x === undefined || x.dtype === 'string' || x.shape.length === 0) return fallback(args);
  const [begin, sz] = slice_util.parseSliceParams(
    x as unknown as Parameters<typeof slice_util.parseSliceParams>[0],
    args.attrs?.['begin'] as number | number[],
    args.attrs?.['size'] as number | number[] | undefined,
  ) as [number[], number[]];
  const rank = x.shape.length;
  // The innermost axis that is cut: everything after it is copied whole, in one run per outer index.
  let axis = rank - 1;
  while (axis > 0 && begin[axis] === 0 && sz[axis] === x.shape[axis]) axis--;
  const strides = [...util.computeStrides(x.shape), 1];
  const run = (sz[axis] as number) * (strides[axis] as number);
  const b = args.backend as Backend;
  const out = b.makeOutput(sz, x.dtype);
  const total = util.sizeFromShape(sz);
  if (total === 0) return out;
  const src = b.typedArrayFromHeap(x);
  const dst = b.typedArrayFromHeap(out);
  const index = begin.slice(0, axis);
  let offset = 0;
  for (let o = 0; o < total; o += run) {
    let from = (begin[axis] as number) * (strides[axis] as number);
    for (let a = 0; a < axis; a++) from += (index[a] as number) * (strides[a] as number);
    dst.set(src.subarray(from, from + run), offset);
    offset += run;
    // Next index of the leading axes (odometer order = the output's row-major order).
    for (let a = axis - 1; a >= 0; a--) {
      if (++(index[a] as number) < (begin[a] as number) + (sz[a] as number)) break;
      index[a] = begin[a] as number;
    }
  }
  return out;
};

/**
 * Each replacement calls the wasm kernel it replaces for the dtypes, shapes and axes it does not
 * handle, so it is a wrap (an override keeping the original): the wasm kernels are correct there,
 * only slow on the shapes of a training step.
 */
const wrapping = (kernelName: string, impl: Impl): KernelRegistration => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: (args) => impl(args, originalKernel(kernelName)),
  registration: 'wrap',
});

export const WASM_ELEMENTWISE_KERNELS: readonly KernelRegistration[] = [
  wrapping('Identity', identity),
  wrapping('Tile', tile),
  wrapping('Sum', reduceLeading(false)),
  wrapping('Mean', reduceLeading(true)),
  wrapping('FusedBatchNorm', fusedBatchNorm),
  wrapping('GreaterEqual', compare('ge')),
  wrapping('LessEqual', compare('le')),
  wrapping('Greater', compare('gt')),
  wrapping('Less', compare('lt')),
  wrapping('LogicalAnd', logicalAnd),
  wrapping('Select', select),
  wrapping('Slice', slice),
];
