/**
 * Fused gradients for the wasm backend.
 *
 * tfjs-core defines the gradients of ReLU / ReLU6 / clipByValue, batch norm, mean and square as
 * compositions of 3–12 element-wise ops over the full activation (masks, casts, tiles, several
 * multiplies and reductions); on the wasm backend each op is a separate pass over memory plus
 * engine overhead, and together they cost more than the convolutions of a MobileNet training step.
 *
 * The gradient registry of tfjs is global (shared by every backend), so these overrides dispatch:
 * when the active backend is `wasm` and the shapes are the common ones (per-channel batch-norm
 * parameters on the last axis, reductions over leading axes), the gradient is one fused kernel
 * registered for `wasm` only (a JavaScript loop over the wasm heap); in every other case the
 * original tfjs-core gradient function runs unchanged.
 */
import {
  getBackend,
  getGradient,
  registerGradient,
  engine,
  util,
  type GradConfig,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
// The Node bundle of tfjs-layers registers tfjs-core's gradients (global registry); load it first
// so that the overrides below wrap them and are not overwritten later.
import '@tensorflow/tfjs-layers';

import type { KernelRegistration } from './register.js';
import type { KernelArgs as Args, WasmHeapBackend as Backend } from './wasm-backend-types.js';

const f32 = (b: Backend, t: TensorInfo): Float32Array => b.typedArrayFromHeap(t) as Float32Array;
const i32 = (a: Float32Array): Int32Array => new Int32Array(a.buffer, a.byteOffset, a.length);

/* ------------------------------------------------------------------------------------------ */
/* Kernels (wasm only)                                                                        */
/* ------------------------------------------------------------------------------------------ */

export const MASK_GRAD = 'FuselabMaskGrad';
export const BATCH_NORM_GRAD = 'FuselabBatchNormGrad';
export const BROADCAST_MEAN_GRAD = 'FuselabBroadcastMeanGrad';
export const SQUARE_GRAD = 'FuselabSquareGrad';

/** dx = dy where lower <(=) x <= upper, else 0 (ReLU, ReLU6, clipByValue). */
function maskGrad({ inputs, backend, attrs }: Args): TensorInfo {
  const b = backend as Backend;
  const dy = inputs['dy'] as TensorInfo;
  const x = inputs['x'] as TensorInfo;
  const lower = attrs?.['lower'] as number;
  const upper = attrs?.['upper'] as number;
  const inclusive = attrs?.['lowerInclusive'] === true;
  const out = b.makeOutput(x.shape, 'float32');
  const g = i32(f32(b, dy));
  const xv = f32(b, x);
  const d = i32(f32(b, out));
  const n = d.length;
  // Branchless (random signs make a branch mispredict half the time): copy dy's bits under an
  // all-ones / all-zeros mask.
  if (inclusive) {
    for (let i = 0; i < n; i++) {
      const v = xv[i] as number;
      d[i] = (g[i] as number) & -(+(v >= lower) & +(v <= upper));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = xv[i] as number;
      d[i] = (g[i] as number) & -(+(v > lower) & +(v <= upper));
    }
  }
  return out;
}

/** dx = 2·x·dy. */
function squareGrad({ inputs, backend }: Args): TensorInfo {
  const b = backend as Backend;
  const dy = inputs['dy'] as TensorInfo;
  const x = inputs['x'] as TensorInfo;
  const out = b.makeOutput(x.shape, 'float32');
  const g = f32(b, dy);
  const xv = f32(b, x);
  const d = f32(b, out);
  for (let i = 0; i < d.length; i++) d[i] = 2 * (xv[i] as number) * (g[i] as number);
  return out;
}

/** Gradient of a mean over the leading axes: dx[m, i] = dy[i] / outer, repeated over m. */
function broadcastMeanGrad({ inputs, backend, attrs }: Args): TensorInfo {
  const b = backend as Backend;
  const dy = inputs['dy'] as TensorInfo;
  const shape = attrs?.['shape'] as number[];
  const outer = attrs?.['outer'] as number;
  const out = b.makeOutput(shape, 'float32');
  const g = f32(b, dy);
  const d = f32(b, out);
  const inner = g.length;
  const s = 1 / outer;
  for (let i = 0; i < inner; i++) d[i] = (g[i] as number) * s;
  let filled = inner;
  const total = inner * outer;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    d.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}

/**
 * All five batch-norm derivatives (per-channel parameters on the last axis) in one pass:
 *   S1 = Σ dy, S2 = Σ (x − mean)·dy over N,H,W;  r = 1/√(var+ε)
 *   dx = dy·r·scale, dmean = −r·scale·S1, dvar = −½r³·scale·S2, dscale = r·S2, doffset = S1.
 */
function batchNormGrad({ inputs, backend, attrs }: Args): TensorInfo[] {
  const b = backend as Backend;
  const dy = inputs['dy'] as TensorInfo;
  const x = inputs['x'] as TensorInfo;
  const mean = inputs['mean'] as TensorInfo;
  const variance = inputs['variance'] as TensorInfo;
  const scale = inputs['scale'];
  const eps = attrs?.['varianceEpsilon'] as number;
  const C = mean.shape[0] as number;
  const dx = b.makeOutput(x.shape, 'float32');
  const outs = [0, 1, 2, 3].map(() => b.makeOutput([C], 'float32'));
  const g = f32(b, dy);
  const xv = f32(b, x);
  const d = f32(b, dx);
  const mv = f32(b, mean);
  const vv = f32(b, variance);
  const sv = scale === undefined ? null : f32(b, scale);
  const k = new Float64Array(C);
  const r = new Float64Array(C);
  const m = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const rc = 1 / Math.sqrt((vv[c] as number) + eps);
    r[c] = rc;
    k[c] = rc * (sv === null ? 1 : (sv[c] as number));
    m[c] = mv[c] as number;
  }
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  const n = d.length;
  for (let base = 0; base < n; base += C) {
    for (let c = 0; c < C; c++) {
      const gi = g[base + c] as number;
      s1[c] = (s1[c] as number) + gi;
      s2[c] = (s2[c] as number) + ((xv[base + c] as number) - (m[c] as number)) * gi;
      d[base + c] = gi * (k[c] as number);
    }
  }
  const [dMean, dVar, dScale, dOffset] = outs.map((t) => f32(b, t)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let c = 0; c < C; c++) {
    const rc = r[c] as number;
    const sc = sv === null ? 1 : (sv[c] as number);
    dMean[c] = -rc * sc * (s1[c] as number);
    dVar[c] = -0.5 * rc * rc * rc * sc * (s2[c] as number);
    dScale[c] = rc * (s2[c] as number);
    dOffset[c] = s1[c] as number;
  }
  return [dx, ...outs];
}

/* ------------------------------------------------------------------------------------------ */
/* Gradient overrides                                                                         */
/* ------------------------------------------------------------------------------------------ */

type GradFunc = GradConfig['gradFunc'];

const run = (name: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}): Tensor =>
  engine().runKernel<Tensor>(name, inputs, attrs);
const runMany = (name: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap): Tensor[] =>
  engine().runKernel<Tensor[]>(name, inputs, attrs);

const onWasm = (): boolean => getBackend() === 'wasm';
const isF32 = (...ts: Array<Tensor | undefined>): boolean => ts.every((t) => t === undefined || t.dtype === 'float32');

function maskOverride(
  lower: (attrs: NamedAttrMap) => number,
  upper: (attrs: NamedAttrMap) => number,
  lowerInclusive: boolean,
): (orig: GradFunc) => GradFunc {
  return (orig) => (dy, saved, attrs) => {
    const x = saved[0];
    if (!onWasm() || Array.isArray(dy) || x === undefined || !isF32(x, dy)) {
      return orig(dy, saved, attrs);
    }
    return {
      x: () => run(MASK_GRAD, { dy, x }, { lower: lower(attrs), upper: upper(attrs), lowerInclusive }),
    };
  };
}

const squareOverride =
  (orig: GradFunc): GradFunc =>
  (dy, saved, attrs) => {
    const x = saved[0];
    if (!onWasm() || Array.isArray(dy) || x === undefined || !isF32(x, dy)) return orig(dy, saved, attrs);
    return { x: () => run(SQUARE_GRAD, { dy, x }) };
  };

const meanOverride =
  (orig: GradFunc): GradFunc =>
  (dy, saved, attrs) => {
    const x = saved[0];
    if (!onWasm() || Array.isArray(dy) || x === undefined || !isF32(x, dy)) return orig(dy, saved, attrs);
    const axes = util.parseAxisParam(attrs['axis'] as number | number[], x.shape).sort((a, c) => a - c);
    if (axes.length === 0 || axes.some((a, i) => a !== i)) return orig(dy, saved, attrs);
    const outer = util.sizeFromShape(x.shape.slice(0, axes.length));
    return { x: () => run(BROADCAST_MEAN_GRAD, { dy }, { shape: x.shape, outer }) };
  };

const batchNormOverride =
  (orig: GradFunc): GradFunc =>
  (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    if (
      !onWasm() ||
      Array.isArray(dy) ||
      x === undefined ||
      mean === undefined ||
      variance === undefined ||
      !isF32(dy, x, mean, variance, scale)
    ) {
      return orig(dy, saved, attrs);
    }
    const C = x.shape[x.shape.length - 1];
    const perChannel = (t: Tensor | undefined): boolean => t === undefined || (t.rank === 1 && t.shape[0] === C);
    if (!(mean.rank === 1 && perChannel(mean) && perChannel(variance) && perChannel(scale))) {
      return orig(dy, saved, attrs);
    }
    const inputs: Record<string, Tensor> = { dy, x, mean, variance };
    if (scale !== undefined) inputs['scale'] = scale;
    const [dx, dMean, dVar, dScale, dOffset] = runMany(BATCH_NORM_GRAD, inputs, {
      varianceEpsilon: attrs['varianceEpsilon'] as number,
    }) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    return {
      x: () => dx,
      mean: () => dMean,
      variance: () => dVar,
      scale: () => dScale,
      offset: () => dOffset,
    };
  };

const OVERRIDES: Array<[string, (orig: GradFunc) => GradFunc]> = [
  [
    'Relu',
    maskOverride(
      () => 0,
      () => Infinity,
      false,
    ),
  ],
  [
    'Relu6',
    maskOverride(
      () => 0,
      () => 6,
      false,
    ),
  ],
  [
    'ClipByValue',
    maskOverride(
      (a) => a['clipValueMin'] as number,
      (a) => a['clipValueMax'] as number,
      true,
    ),
  ],
  ['Square', squareOverride],
  ['Mean', meanOverride],
  ['FusedBatchNorm', batchNormOverride],
];

/** Our own kernel names: no backend has them. */
export const WASM_GRADIENT_KERNELS: readonly KernelRegistration[] = [
  { kernelName: MASK_GRAD, backendName: 'wasm', kernelFunc: maskGrad, registration: 'if-missing' },
  { kernelName: SQUARE_GRAD, backendName: 'wasm', kernelFunc: squareGrad, registration: 'if-missing' },
  { kernelName: BROADCAST_MEAN_GRAD, backendName: 'wasm', kernelFunc: broadcastMeanGrad, registration: 'if-missing' },
  { kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: batchNormGrad, registration: 'if-missing' },
];

let installed = false;

/**
 * Installs the dispatching gradient overrides, which run the kernels of
 * {@link WASM_GRADIENT_KERNELS} (registered first, by registerWasmTrainingKernels). Idempotent.
 */
export function installWasmGradientOverrides(): void {
  if (installed) return;
  for (const [name, make] of OVERRIDES) {
    const orig = getGradient(name);
    if (orig === undefined) continue; // gradients not registered yet (tfjs-layers not loaded)
    registerGradient({ ...orig, gradFunc: make(orig.gradFunc) });
  }
  installed = true;
}
