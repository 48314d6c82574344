/**
 * `DepthwiseConv2dNativeBackpropInput` and `…BackpropFilter` for the wasm backend, which
 * tfjs-backend-wasm 4.22 lacks (so depthwise layers cannot be trained there without them): SIMD
 * passes over the heap for channel multiplier 1 and channel counts that are multiples of 4, an
 * XNNPACK depthwise convolution of the zero-dilated gradient, or JavaScript loops.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

import { originalKernel, type KernelRegistration } from './register.js';
import type { KernelArgs, WasmHeapBackend } from './wasm-backend-types.js';
import { call, convInfo, dilatePad, dispose, f32 } from './wasm-conv-helpers.js';
import { simdFor } from './wasm-simd.js';

/**
 * Channel multiplier 1, dilation 1: 'valid' stride-1 depthwise convolution of the zero-dilated,
 * padded dy with the spatially flipped filter (wasm DepthwiseConv2dNative). Otherwise a direct
 * JavaScript scatter loop.
 */
function depthwiseBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  const attrs = args.attrs ?? {};
  if (dy === undefined || filter === undefined) {
    throw new Error('DepthwiseConv2dNativeBackpropInput needs dy and filter');
  }
  const inputShape = attrs['inputShape'] as number[];
  const info = convInfo(inputShape, filter.shape, attrs, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const { dilationHeight: DH, dilationWidth: DW } = info;
  const mult = info.outChannels / C;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  const simd = mult === 1 && DH === 1 && DW === 1 && C % 4 === 0 ? simdFor(backend) : null;
  if (simd !== null) {
    // SIMD scatter of w·dy into dx, one image at a time (no zero-dilated copy of dy).
    const dx = backend.makeOutput([N, H, W, C], 'float32');
    const dxp = simd.ptr(dx);
    simd.f32(dxp, N * H * W * C).fill(0);
    const gp = simd.ptr(dy);
    const wp = simd.ptr(filter);
    for (let n = 0; n < N; n++) {
      simd.k.dw_pass(1, dxp + 4 * n * H * W * C, gp + 4 * n * Ho * Wo * C, wp, H, W, C, Ho, Wo, KH, KW, SH, SW, pt, pl);
    }
    return dx;
  }
  if (mult === 1 && DH === 1 && DW === 1) {
    const wf = backend.makeOutput([KH, KW, C, 1], 'float32');
    {
      const w = f32(backend, filter);
      const o = f32(backend, wf);
      for (let a = 0; a < KH; a++) {
        for (let b = 0; b < KW; b++) {
          const s = ((KH - 1 - a) * KW + (KW - 1 - b)) * C;
          o.set(w.subarray(s, s + C), (a * KW + b) * C);
        }
      }
    }
    const dyp = dilatePad(backend, dy, H + KH - 1, W + KW - 1, KH - 1 - pt, KW - 1 - pl, SH, SW);
    const dx = call(
      originalKernel('DepthwiseConv2dNative'),
      backend,
      { x: dyp, filter: wf },
      { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' },
    );
    dispose(backend, dyp);
    dispose(backend, wf);
    return dx;
  }

  // General case: dx[n,ih,iw,c] += w[kh,kw,c,q] · dy[n,oh,ow,c*mult+q].
  const dx = backend.makeOutput([N, H, W, C], 'float32');
  const acc = new Float64Array(N * H * W * C);
  const g = f32(backend, dy);
  const w = f32(backend, filter);
  const CO = C * mult;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * SH + kh * DH - pt;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < Wo; ow++) {
          const gBase = ((n * Ho + oh) * Wo + ow) * CO;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW + kw * DW - pl;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (kh * KW + kw) * CO;
            for (let c = 0; c < C; c++) {
              let s = 0;
              for (let q = 0; q < mult; q++) {
                s += (w[wBase + c * mult + q] as number) * (g[gBase + c * mult + q] as number);
              }
              acc[xBase + c] = (acc[xBase + c] as number) + s;
            }
          }
        }
      }
    }
  }
  f32(backend, dx).set(acc);
  return dx;
}

/** dW[kh,kw,c,q] = Σ_{n,oh,ow} x[n, oh*SH+kh*DH-pt, ow*SW+kw*DW-pl, c] · dy[n,oh,ow,c*mult+q]. */
function depthwiseBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const x = args.inputs['x'];
  const dy = args.inputs['dy'];
  const attrs = args.attrs ?? {};
  if (x === undefined || dy === undefined) {
    throw new Error('DepthwiseConv2dNativeBackpropFilter needs x and dy');
  }
  const filterShape = attrs['filterShape'] as number[];
  const info = convInfo(x.shape, filterShape, attrs, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const { dilationHeight: DH, dilationWidth: DW } = info;
  const mult = info.outChannels / C;
  const CO = C * mult;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  const out = backend.makeOutput([KH, KW, C, mult], 'float32');
  const acc = new Float64Array(KH * KW * CO);
  const simd = mult === 1 && DH === 1 && DW === 1 && C % 4 === 0 ? simdFor(backend) : null;
  if (simd !== null) {
    // SIMD over channels, one image at a time into a float32 accumulator, images summed in float64.
    const taps = KH * KW * C;
    const accPtr = simd.scratch(4 * taps);
    const xp = simd.ptr(x);
    const gp = simd.ptr(dy);
    for (let n = 0; n < N; n++) {
      simd.f32(accPtr, taps).fill(0);
      simd.k.dw_pass(2, xp + 4 * n * H * W * C, gp + 4 * n * Ho * Wo * C, accPtr, H, W, C, Ho, Wo, KH, KW, SH, SW, pt, pl);
      const a = simd.f32(accPtr, taps);
      for (let i = 0; i < taps; i++) acc[i] = (acc[i] as number) + (a[i] as number);
    }
    f32(backend, out).set(acc);
    return out;
  }
  const xs = f32(backend, x);
  const g = f32(backend, dy);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * SH + kh * DH - pt;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < Wo; ow++) {
          const gBase = ((n * Ho + oh) * Wo + ow) * CO;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW + kw * DW - pl;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const aBase = (kh * KW + kw) * CO;
            if (mult === 1) {
              for (let c = 0; c < C; c++) {
                acc[aBase + c] = (acc[aBase + c] as number) + (xs[xBase + c] as number) * (g[gBase + c] as number);
              }
            } else {
              for (let c = 0; c < C; c++) {
                const xv = xs[xBase + c] as number;
                for (let q = 0; q < mult; q++) {
                  const i = aBase + c * mult + q;
                  acc[i] = (acc[i] as number) + xv * (g[gBase + c * mult + q] as number);
                }
              }
            }
          }
        }
      }
    }
  }
  f32(backend, out).set(acc);
  return out;
}

export const WASM_DEPTHWISE_BACKPROP_KERNELS: readonly KernelRegistration[] = [
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'wasm',
    kernelFunc: depthwiseBackpropInput,
    registration: 'if-missing',
    calls: ['DepthwiseConv2dNative'],
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'wasm',
    kernelFunc: depthwiseBackpropFilter,
    registration: 'if-missing',
  },
];
