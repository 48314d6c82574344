/**
 * wasm kernels for the fused batch norm + activation of `@fuselab/fuseconv/tfjs`
 * (`FuselabBatchNormActTrain`, `FuselabBatchNormActGrad`): the same math as fuseconv's JavaScript
 * kernels (see batch-norm-activation.ts there), with the four passes over the activation in SIMD
 * (wasm-simd.ts) when the channel count is a multiple of 4. Per-channel arithmetic (statistics,
 * coefficients) stays in float64 JavaScript.
 */
import {
  BATCH_NORM_ACT_GRAD,
  BATCH_NORM_ACT_TRAIN,
  batchNormActBackward,
  batchNormActForward,
  type FusedActivation,
} from '@fuselab/fuseconv/tfjs';
import { util, type TensorInfo } from '@tensorflow/tfjs-core';

import type { KernelRegistration } from './register.js';
import { simdFor } from './wasm-simd.js';
import type { KernelArgs as Args, Float32HeapBackend as Backend } from './wasm-backend-types.js';

/** Clamp bounds of the activation: the gradient passes where lo < pre ≤ hi. */
function bounds(activation: FusedActivation): [number, number] {
  switch (activation) {
    case 'linear':
      return [-Infinity, Infinity];
    case 'relu':
      return [0, Infinity];
    case 'relu6':
      return [0, 6];
  }
}

function batchNormActTrain({ inputs, backend, attrs }: Args): TensorInfo[] {
  const b = backend as Backend;
  const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const eps = attrs?.['epsilon'] as number;
  const activation = attrs?.['activation'] as FusedActivation;
  const C = x.shape[x.shape.length - 1] as number;
  const n = util.sizeFromShape(x.shape);
  const rows = n / C;
  const y = b.makeOutput(x.shape, 'float32');
  const mean = b.makeOutput([C], 'float32');
  const variance = b.makeOutput([C], 'float32');
  const simd = C % 4 === 0 && rows > 0 ? simdFor(backend) : null;
  if (simd === null) {
    batchNormActForward(
      b.typedArrayFromHeap(x),
      C,
      b.typedArrayFromHeap(gamma),
      b.typedArrayFromHeap(beta),
      eps,
      activation,
      b.typedArrayFromHeap(y),
      b.typedArrayFromHeap(mean),
      b.typedArrayFromHeap(variance),
    );
    return [y, mean, variance];
  }
  // scratch: s1, s2 (float64), shift, k, b (float32)
  const s = simd.scratch(28 * C);
  const xp = simd.ptr(x);
  {
    simd.f64(s, 2 * C).fill(0);
    simd.f32(s + 16 * C, C).set(simd.f32(xp, C));
  }
  simd.k.bn_stats(xp, rows, C, s + 16 * C, s, s + 8 * C);
  const s1 = simd.f64(s, C);
  const s2 = simd.f64(s + 8 * C, C);
  const shift = simd.f32(s + 16 * C, C);
  const kk = simd.f32(s + 20 * C, C);
  const bb = simd.f32(s + 24 * C, C);
  const mv = simd.f32(simd.ptr(mean), C);
  const vv = simd.f32(simd.ptr(variance), C);
  const g = simd.f32(simd.ptr(gamma), C);
  const be = simd.f32(simd.ptr(beta), C);
  for (let c = 0; c < C; c++) {
    const m1 = (s1[c] as number) / rows;
    const v = Math.max(0, (s2[c] as number) / rows - m1 * m1);
    const mu = (shift[c] as number) + m1;
    mv[c] = mu;
    vv[c] = v;
    const kc = (g[c] as number) / Math.sqrt(v + eps);
    kk[c] = kc;
    bb[c] = (be[c] as number) - mu * kc;
  }
  const [lo, hi] = bounds(activation);
  simd.k.bn_apply(xp, simd.ptr(y), n, C, s + 20 * C, s + 24 * C, lo, hi);
  return [y, mean, variance];
}

function batchNormActGrad({ inputs, backend, attrs }: Args): TensorInfo[] {
  const b = backend as Backend;
  const { dy, x, mean, variance, gamma, beta } = inputs as Record<string, TensorInfo>;
  if (!dy || !x || !mean || !variance || !gamma || !beta) throw new Error(`${BATCH_NORM_ACT_GRAD}: missing input`);
  const eps = attrs?.['epsilon'] as number;
  const activation = attrs?.['activation'] as FusedActivation;
  const C = x.shape[x.shape.length - 1] as number;
  const n = util.sizeFromShape(x.shape);
  const rows = n / C;
  const dx = b.makeOutput(x.shape, 'float32');
  const dGamma = b.makeOutput([C], 'float32');
  const dBeta = b.makeOutput([C], 'float32');
  const simd = C % 4 === 0 && rows > 0 ? simdFor(backend) : null;
  if (simd === null) {
    const h = (t: TensorInfo): Float32Array => b.typedArrayFromHeap(t);
    batchNormActBackward(h(dy), h(x), C, h(mean), h(variance), h(gamma), h(beta), eps, activation, h(dx), h(dGamma), h(dBeta));
    return [dx, dGamma, dBeta];
  }
  // scratch: s1, s2 (float64), k, b, mu, w, u (float32)
  const s = simd.scratch(36 * C);
  simd.f64(s, 2 * C).fill(0);
  const kk = simd.f32(s + 16 * C, C);
  const bb = simd.f32(s + 20 * C, C);
  const mu = simd.f32(s + 24 * C, C);
  const r = new Float64Array(C);
  {
    const mv = simd.f32(simd.ptr(mean), C);
    const vv = simd.f32(simd.ptr(variance), C);
    const g = simd.f32(simd.ptr(gamma), C);
    const be = simd.f32(simd.ptr(beta), C);
    for (let c = 0; c < C; c++) {
      const rc = 1 / Math.sqrt((vv[c] as number) + eps);
      r[c] = rc;
      const kc = (g[c] as number) * rc;
      kk[c] = kc;
      mu[c] = mv[c] as number;
      bb[c] = (be[c] as number) - (mv[c] as number) * kc;
    }
  }
  const [lo, hi] = bounds(activation);
  const xp = simd.ptr(x);
  const dyp = simd.ptr(dy);
  simd.k.bn_grad_sums(dyp, xp, rows, C, s + 16 * C, s + 20 * C, s + 24 * C, lo, hi, s, s + 8 * C);
  {
    const s1 = simd.f64(s, C);
    const s2 = simd.f64(s + 8 * C, C);
    const w = simd.f32(s + 28 * C, C);
    const u = simd.f32(s + 32 * C, C);
    const dg = simd.f32(simd.ptr(dGamma), C);
    const db = simd.f32(simd.ptr(dBeta), C);
    for (let c = 0; c < C; c++) {
      const rc = r[c] as number;
      const kc = kk[c] as number;
      const sz = s1[c] as number;
      const szx = s2[c] as number;
      db[c] = sz;
      dg[c] = rc * szx;
      const wc = (-kc * rc * rc * szx) / rows;
      w[c] = wc;
      u[c] = (-kc * sz) / rows - wc * (mu[c] as number);
    }
  }
  simd.k.bn_grad_dx(dyp, xp, simd.ptr(dx), n, C, s + 16 * C, s + 20 * C, lo, hi, s + 28 * C, s + 32 * C);
  return [dx, dGamma, dBeta];
}

// Overrides: fuseconv registers its JavaScript kernels for cpu and wasm when it is imported (which
// happens before this module runs); on wasm these SIMD versions replace them.
export const WASM_BATCH_NORM_KERNELS: readonly KernelRegistration[] = [
  { kernelName: BATCH_NORM_ACT_TRAIN, backendName: 'wasm', kernelFunc: batchNormActTrain, registration: 'override' },
  { kernelName: BATCH_NORM_ACT_GRAD, backendName: 'wasm', kernelFunc: batchNormActGrad, registration: 'override' },
];
