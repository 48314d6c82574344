/**
 * `Conv2DBackpropInput` for the wasm backend. tfjs-backend-wasm 4.22 has this kernel, but as a
 * slow direct loop; this one turns the input gradient into a 1×1 convolution (the SIMD GEMM of
 * wasm-pointwise-conv.ts), one XNNPACK GEMM plus col2im for strided filters, or a 'valid'
 * XNNPACK convolution of the zero-dilated gradient with the flipped filter.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';

import { originalKernel, type KernelRegistration } from './register.js';
import type { KernelArgs, WasmHeapBackend } from './wasm-backend-types.js';
import { call, checkNHWC, convInfo, dilatePad, dispose, f32, transpose2D } from './wasm-conv-helpers.js';
import { gemmConv1x1 } from './wasm-pointwise-conv.js';

/**
 * dx = 'valid' stride-1 convolution of the zero-dilated, padded dy with the spatially flipped,
 * in/out-transposed filter. For 1×1 stride-1 filters this is a 1×1 convolution of dy with Wᵀ.
 */
function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  const attrs = args.attrs ?? {};
  if (dy === undefined || filter === undefined) {
    throw new Error('Conv2DBackpropInput needs dy and filter');
  }
  checkNHWC(attrs['dataFormat'], 'Conv2DBackpropInput');
  const inputShape = attrs['inputShape'] as number[];
  const info = convInfo(inputShape, filter.shape, attrs, false);
  const { inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  // Filter for the transposed convolution: wf[a,b,co,ci] = w[KH-1-a, KW-1-b, ci, co].
  const wf = backend.makeOutput([KH, KW, Co, Ci], 'float32');
  {
    const w = f32(backend, filter);
    const o = f32(backend, wf);
    for (let a = 0; a < KH; a++) {
      for (let b = 0; b < KW; b++) {
        const srcTap = ((KH - 1 - a) * KW + (KW - 1 - b)) * Ci * Co;
        const dstTap = (a * KW + b) * Co * Ci;
        for (let ci = 0; ci < Ci; ci++) {
          for (let co = 0; co < Co; co++) {
            o[dstTap + co * Ci + ci] = w[srcTap + ci * Co + co] as number;
          }
        }
      }
    }
  }
  const M = info.batchSize * info.outHeight * info.outWidth;
  const K = KH * KW * Ci;
  if ((SH > 1 || SW > 1) && M * K <= COL2IM_MAX_ELEMENTS) {
    dispose(backend, wf);
    return conv2DBackpropInputCol2im(backend, dy, filter, info);
  }
  const convAttrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] };
  let dx: TensorInfo;
  if (KH === 1 && KW === 1 && SH === 1 && SW === 1 && pt === 0 && pl === 0) {
    // dx = dy · Wᵀ, and wf is Wᵀ: the 1×1 GEMM, or the wasm kernel where it does not apply.
    dx = gemmConv1x1(backend, dy, wf) ?? call(originalKernel('Conv2D'), backend, { x: dy, filter: wf }, convAttrs);
  } else {
    const dyp = dilatePad(backend, dy, H + KH - 1, W + KW - 1, KH - 1 - pt, KW - 1 - pl, SH, SW);
    dx = call(originalKernel('Conv2D'), backend, { x: dyp, filter: wf }, convAttrs);
    dispose(backend, dyp);
  }
  dispose(backend, wf);
  return dx;
}

/** Largest column buffer (M × KH·KW·Ci floats) of the col2im input gradient. */
const COL2IM_MAX_ELEMENTS = 1 << 24;

/**
 * Strided convolutions: dcol = dy [M, Co] · Wᵀ [Co, KH·KW·Ci] (one XNNPACK GEMM, no multiplies by
 * the zeros of a dilated dy), then col2im: dx[n, oh·SH+kh−pt, ow·SW+kw−pl, ci] += dcol[m, kh, kw, ci].
 */
function conv2DBackpropInputCol2im(
  backend: WasmHeapBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co } = info;
  const { outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const M = N * Ho * Wo;
  const K = KH * KW * Ci;
  const wT = backend.makeOutput([Co, K], 'float32');
  transpose2D(f32(backend, filter), K, Co, f32(backend, wT));
  const col = call(
    originalKernel('BatchMatMul'),
    backend,
    {
      a: { dataId: dy.dataId, shape: [1, M, Co], dtype: 'float32' },
      b: { dataId: wT.dataId, shape: [1, Co, K], dtype: 'float32' },
    },
    { transposeA: false, transposeB: false },
  );
  dispose(backend, wT);
  const dx = backend.makeOutput([N, H, W, Ci], 'float32');
  const d = f32(backend, dx);
  const c = f32(backend, col);
  d.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const m = (n * Ho + oh) * Wo + ow;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH + kh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW + kw - pl;
            if (iw < 0 || iw >= W) continue;
            const src = m * K + (kh * KW + kw) * Ci;
            const dst = ((n * H + ih) * W + iw) * Ci;
            for (let ci = 0; ci < Ci; ci++) d[dst + ci] = (d[dst + ci] as number) + (c[src + ci] as number);
          }
        }
      }
    }
  }
  dispose(backend, col);
  return dx;
}

export const WASM_CONV2D_BACKPROP_INPUT_KERNELS: readonly KernelRegistration[] = [
  {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropInput,
    // Override: tfjs-backend-wasm's own kernel is a slow direct loop; this one runs on XNNPACK.
    registration: 'override',
    calls: ['Conv2D', 'BatchMatMul'],
  },
];
