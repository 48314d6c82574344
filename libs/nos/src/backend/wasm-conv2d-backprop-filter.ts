/**
 * `Conv2DBackpropFilter` for the wasm backend, which tfjs-backend-wasm 4.22 lacks (so `conv2d`
 * cannot be trained there without it): the filter gradient as one GEMM on XNNPACK's
 * `BatchMatMul`, or a SIMD kernel reading both operands in place for the 1×1 case.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

import { originalKernel, type KernelRegistration } from './register.js';
import type { KernelArgs, WasmHeapBackend } from './wasm-backend-types.js';
import { call, checkNHWC, convInfo, dispose, f32, transpose2D } from './wasm-conv-helpers.js';
import { simdFor } from './wasm-simd.js';

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh*SH+kh-pt, ow*SW+kw-pl, ci] · dy[n,oh,ow,co]
 * as one GEMM: colT [KH·KW·Ci, M] × dy [M, Co], where colT is the transposed im2col of x
 * (for a 1×1, stride-1, unpadded filter it is just xᵀ: no im2col is built).
 */
function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const x = args.inputs['x'];
  const dy = args.inputs['dy'];
  const attrs = args.attrs ?? {};
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs x and dy');
  checkNHWC(attrs['dataFormat'], 'Conv2DBackpropFilter');
  const filterShape = attrs['filterShape'] as number[];
  const info = convInfo(x.shape, filterShape, attrs, false);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci } = info;
  const { outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const M = N * Ho * Wo;
  const K = KH * KW * Ci;

  const simd = Ci % 4 === 0 && Co % 8 === 0 && M > 0 ? simdFor(backend) : null;
  if (KH === 1 && KW === 1 && SH === 1 && SW === 1 && pt === 0 && pl === 0 && simd !== null) {
    // dW = xᵀ·dy with a SIMD kernel that reads both operands in place (no transpose, no packing).
    const dw = backend.makeOutput([1, 1, Ci, Co], 'float32');
    const op = simd.ptr(dw);
    simd.f32(op, Ci * Co).fill(0);
    simd.k.gemm_atb(simd.ptr(x), simd.ptr(dy), op, M, Ci, Co);
    return dw;
  }
  if (KH === 1 && KW === 1 && SH === 1 && SW === 1 && pt === 0 && pl === 0) {
    // dW = xᵀ·dy. Transpose the narrower operand; for Co < Ci compute (dyᵀ·x)ᵀ.
    const transposeX = Ci <= Co;
    const [P, Q] = transposeX ? [x, dy] : [dy, x];
    const pCols = transposeX ? Ci : Co;
    const qCols = transposeX ? Co : Ci;
    const pT = backend.makeOutput([pCols, M], 'float32');
    transpose2D(f32(backend, P), M, pCols, f32(backend, pT));
    const prod = call(
      originalKernel('BatchMatMul'),
      backend,
      {
        a: { dataId: pT.dataId, shape: [1, pCols, M], dtype: 'float32' },
        b: { dataId: Q.dataId, shape: [1, M, qCols], dtype: 'float32' },
      },
      { transposeA: false, transposeB: false },
    );
    dispose(backend, pT);
    if (transposeX) return { dataId: prod.dataId, shape: [1, 1, Ci, Co], dtype: 'float32' };
    const dw = backend.makeOutput([1, 1, Ci, Co], 'float32');
    transpose2D(f32(backend, prod), Co, Ci, f32(backend, dw));
    dispose(backend, prod);
    return dw;
  }

  const colT = backend.makeOutput([K, M], 'float32');
  {
    const src = f32(backend, x);
    const dst = f32(backend, colT);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let ci = 0; ci < Ci; ci++) {
          let d = ((kh * KW + kw) * Ci + ci) * M;
          for (let n = 0; n < N; n++) {
            for (let oh = 0; oh < Ho; oh++) {
              const ih = oh * SH + kh - pt;
              if (ih < 0 || ih >= H) {
                dst.fill(0, d, d + Wo);
                d += Wo;
                continue;
              }
              const rowBase = (n * H + ih) * W;
              for (let ow = 0; ow < Wo; ow++) {
                const iw = ow * SW + kw - pl;
                dst[d++] = iw >= 0 && iw < W ? (src[(rowBase + iw) * Ci + ci] as number) : 0;
              }
            }
          }
        }
      }
    }
  }
  const dw = call(
    originalKernel('BatchMatMul'),
    backend,
    {
      a: { dataId: colT.dataId, shape: [1, K, M], dtype: 'float32' },
      b: { dataId: dy.dataId, shape: [1, M, Co], dtype: 'float32' },
    },
    { transposeA: false, transposeB: false },
  );
  dispose(backend, colT);
  return { dataId: dw.dataId, shape: [KH, KW, Ci, Co], dtype: 'float32' };
}

export const WASM_CONV2D_BACKPROP_FILTER_KERNELS: readonly KernelRegistration[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropFilter,
    registration: 'if-missing',
    calls: ['BatchMatMul'],
  },
];
