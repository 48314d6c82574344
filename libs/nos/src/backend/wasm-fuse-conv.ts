/**
 * wasm kernels for the fused FuSe stage of `@fuselab/fuseconv/tfjs` (`FuselabFuseConv2D`,
 * `FuselabFuseConv2DGrad`): fuseconv's JavaScript loops, with the per-segment passes in SIMD
 * (wasm-simd.ts `fuse_pass`) when both segments' channel counts are multiples of 4.
 */
import {
  FUSE_CONV,
  FUSE_CONV_GRAD,
  fuseConvBackward,
  fuseConvForward,
  fuseGeometryFromAttrs,
  type FuseGeometry,
  type FuseSegment,
} from '@fuselab/fuseconv/tfjs';
import { util, type TensorInfo } from '@tensorflow/tfjs-core';

import type { KernelRegistration } from './register.js';
import { simdFor, type Simd } from './wasm-simd.js';
import type { KernelArgs as Args, Float32HeapBackend as Backend } from './wasm-backend-types.js';

function simdOk(geo: FuseGeometry, backend: unknown): Simd | null {
  return geo.segments.every((s) => s.Cb % 4 === 0 && s.Cb > 0) ? simdFor(backend) : null;
}

/** role 0: g += w·x, 1: x += w·g, 2: w += x·g — per image (pointers advance by one image). */
function pass(simd: Simd, role: 0 | 1 | 2, geo: FuseGeometry, seg: FuseSegment, x: number, g: number, w: number, n: number): void {
  const { H, W, Cin, Ho, Wo, Cout, K, s, p } = geo;
  simd.k.fuse_pass(
    role,
    x + 4 * n * H * W * Cin,
    g + 4 * n * Ho * Wo * Cout,
    w,
    H,
    W,
    Cin,
    Ho,
    Wo,
    Cout,
    seg.i0,
    seg.o0,
    seg.Cb,
    K,
    s,
    p,
    seg.vertical ? 1 : 0,
  );
}

function forward({ inputs, backend, attrs }: Args): TensorInfo {
  const b = backend as Backend;
  const { x, kernelH, kernelV } = inputs as Record<string, TensorInfo>;
  if (!x || !kernelH || !kernelV) throw new Error(`${FUSE_CONV}: missing input`);
  const geo = fuseGeometryFromAttrs(x, kernelH, attrs ?? {});
  const y = b.makeOutput([geo.N, geo.Ho, geo.Wo, geo.Cout], 'float32');
  const simd = simdOk(geo, backend);
  if (simd === null) {
    const yv = b.typedArrayFromHeap(y);
    yv.fill(0);
    fuseConvForward(geo, b.typedArrayFromHeap(x), b.typedArrayFromHeap(kernelH), b.typedArrayFromHeap(kernelV), yv);
    return y;
  }
  const yp = simd.ptr(y);
  simd.f32(yp, util.sizeFromShape(y.shape)).fill(0);
  const [h, v] = geo.segments;
  const xp = simd.ptr(x);
  const kh = simd.ptr(kernelH);
  const kv = simd.ptr(kernelV);
  for (let n = 0; n < geo.N; n++) {
    pass(simd, 0, geo, h, xp, yp, kh, n);
    pass(simd, 0, geo, v, xp, yp, kv, n);
  }
  return y;
}

function backward({ inputs, backend, attrs }: Args): TensorInfo[] {
  const b = backend as Backend;
  const { dy, x, kernelH, kernelV } = inputs as Record<string, TensorInfo>;
  if (!dy || !x || !kernelH || !kernelV) throw new Error(`${FUSE_CONV_GRAD}: missing input`);
  const geo = fuseGeometryFromAttrs(x, kernelH, attrs ?? {});
  const dx = b.makeOutput(x.shape, 'float32');
  const dkh = b.makeOutput(kernelH.shape, 'float32');
  const dkv = b.makeOutput(kernelV.shape, 'float32');
  const simd = simdOk(geo, backend);
  if (simd === null) {
    const h = (t: TensorInfo): Float32Array => b.typedArrayFromHeap(t);
    const dxv = h(dx);
    dxv.fill(0);
    fuseConvBackward(geo, h(dy), h(x), h(kernelH), h(kernelV), dxv, h(dkh), h(dkv));
    return [dx, dkh, dkv];
  }
  const [sh, sv] = geo.segments;
  const nh = geo.K * sh.Cb;
  const nv = geo.K * sv.Cb;
  // float32 per-image accumulators of the two filter gradients (scratch), summed in float64.
  const acc = simd.scratch(4 * (nh + nv));
  const dxp = simd.ptr(dx);
  const dyp = simd.ptr(dy);
  const xp = simd.ptr(x);
  const kh = simd.ptr(kernelH);
  const kv = simd.ptr(kernelV);
  simd.f32(dxp, util.sizeFromShape(x.shape)).fill(0);
  const sumH = new Float64Array(nh);
  const sumV = new Float64Array(nv);
  for (let n = 0; n < geo.N; n++) {
    pass(simd, 1, geo, sh, dxp, dyp, kh, n);
    pass(simd, 1, geo, sv, dxp, dyp, kv, n);
    simd.f32(acc, nh + nv).fill(0);
    pass(simd, 2, geo, sh, xp, dyp, acc, n);
    pass(simd, 2, geo, sv, xp, dyp, acc + 4 * nh, n);
    const a = simd.f32(acc, nh + nv);
    for (let i = 0; i < nh; i++) sumH[i] = (sumH[i] as number) + (a[i] as number);
    for (let i = 0; i < nv; i++) sumV[i] = (sumV[i] as number) + (a[nh + i] as number);
  }
  simd.f32(simd.ptr(dkh), nh).set(sumH);
  simd.f32(simd.ptr(dkv), nv).set(sumV);
  return [dx, dkh, dkv];
}

// Overrides: fuseconv registers its JavaScript kernels for cpu and wasm when it is imported (which
// happens before this module runs); on wasm these, with SIMD passes, replace them.
export const WASM_FUSE_CONV_KERNELS: readonly KernelRegistration[] = [
  { kernelName: FUSE_CONV, backendName: 'wasm', kernelFunc: forward, registration: 'override' },
  { kernelName: FUSE_CONV_GRAD, backendName: 'wasm', kernelFunc: backward, registration: 'override' },
];
