/**
 * Training kernels for the tfjs `wasm` backend.
 *
 * tfjs-backend-wasm 4.22 has fast (XNNPACK) forward convolutions but none of the kernels that the
 * gradients of `conv2d` / `depthwiseConv2d` need (`Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`), and its own
 * `Conv2DBackpropInput` is a slow direct loop. This module registers those kernels for
 * backendName `'wasm'`, written as JavaScript loops over the wasm heap plus calls into the wasm
 * backend's own fast kernels (`BatchMatMul`, `Conv2D`, `DepthwiseConv2dNative`, `Transpose`).
 *
 * It also wraps the forward convolution kernels to work around tensorflow/tfjs#6629 (wrong values
 * for stride-2 1×K / K×1 convolutions with `'same'` padding): such calls are rewritten as explicit
 * zero padding followed by a `'valid'` convolution.
 *
 * Only NHWC (`channelsLast`) is supported, like the wasm forward kernels themselves.
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { registerKernels } from './register.js';
import { WASM_BATCH_NORM_KERNELS } from './wasm-batch-norm.js';
import { WASM_ELEMENTWISE_KERNELS } from './wasm-elementwise.js';
import { WASM_FUSE_CONV_KERNELS } from './wasm-fuse-conv.js';
import { installWasmGradientOverrides, WASM_GRADIENT_KERNELS } from './wasm-gradients.js';
import { simdFor } from './wasm-simd.js';
import type { KernelArgs, WasmHeapBackend as WasmBackendLike } from './wasm-backend-types.js';

/** The part of tfjs-backend-wasm's `BackendWasm` these kernels use. */

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

const BACKEND = 'wasm';

/** Kernel names this module registers or wraps for the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;
export const WASM_WRAPPED_FORWARD_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] as const;

interface Originals {
  conv2d: KernelFunc;
  depthwise: KernelFunc;
  batchMatMul: KernelFunc;
  transpose: KernelFunc;
  padV2: KernelFunc;
}
let originals: Originals | null = null;

function orig(): Originals {
  if (originals === null) throw new Error('wasm training kernels are not registered');
  return originals;
}

function f32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return a;
}

function call(fn: KernelFunc, backend: WasmBackendLike, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const out = fn({ inputs, backend: backend as never, attrs });
  if (Array.isArray(out)) throw new Error('expected a single output');
  return out as TensorInfo;
}

function dispose(backend: WasmBackendLike, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

function shape4(s: readonly number[], what: string): Shape4 {
  if (s.length !== 4) throw new Error(`${what} must be rank 4, got shape [${s.join(',')}]`);
  return s as Shape4;
}

function checkNHWC(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernel} supports only NHWC, got dataFormat ${String(dataFormat)}`);
  }
}

/**
 * The convolution geometry of a kernel call from its attributes: strides, pad, dimRoundingMode and
 * dilations (absent — so 1 — on tfjs's Conv2D backprop kernels).
 */
function convInfo(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: NamedAttrMap,
  depthwise: boolean,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    shape4(inShape, 'input'),
    shape4(filterShape, 'filter'),
    attrs['strides'] as number | [number, number],
    (attrs['dilations'] ?? 1) as number | [number, number],
    attrs['pad'] as Pad,
    attrs['dimRoundingMode'] as Rounding,
    depthwise,
    'channelsLast',
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers on the heap                                                                        */
/* ------------------------------------------------------------------------------------------ */

/**
 * Writes `dy` [N, Ho, Wo, C] into a zeroed [N, Hp, Wp, C] buffer at rows `offT + oh*SH`, columns
 * `offL + ow*SW` (the zero-dilated, padded gradient of a transposed convolution). Rows or columns
 * falling outside the buffer are dropped (they only meet padding).
 */
function dilatePad(
  backend: WasmBackendLike,
  dy: TensorInfo,
  Hp: number,
  Wp: number,
  offT: number,
  offL: number,
  SH: number,
  SW: number,
): TensorInfo {
  const [N, Ho, Wo, C] = shape4(dy.shape, 'dy');
  const out = backend.makeOutput([N, Hp, Wp, C], 'float32');
  const src = f32(backend, dy);
  const dst = f32(backend, out);
  dst.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      const r = offT + oh * SH;
      if (r < 0 || r >= Hp) continue;
      const srcRow = (n * Ho + oh) * Wo * C;
      const dstRow = (n * Hp + r) * Wp * C;
      if (SW === 1 && offL >= 0 && offL + Wo <= Wp) {
        dst.set(src.subarray(srcRow, srcRow + Wo * C), dstRow + offL * C);
        continue;
      }
      for (let ow = 0; ow < Wo; ow++) {
        const c0 = offL + ow * SW;
        if (c0 < 0 || c0 >= Wp) continue;
        const s = srcRow + ow * C;
        dst.set(src.subarray(s, s + C), dstRow + c0 * C);
      }
    }
  }
  return out;
}

/** Zero-pads x [N,H,W,C] spatially (explicit amounts) with the wasm PadV2 kernel. */
function padSpatial(backend: WasmBackendLike, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  return call(
    orig().padV2,
    backend,
    { x },
    {
      paddings: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Conv2DBackpropFilter                                                                       */
/* ------------------------------------------------------------------------------------------ */

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh*SH+kh-pt, ow*SW+kw-pl, ci] · dy[n,oh,ow,co]
 * as one GEMM: colT [KH·KW·Ci, M] × dy [M, Co], where colT is the transposed im2col of x
 * (for a 1×1, stride-1, unpadded filter it is just xᵀ, produced by the wasm Transpose kernel).
 */
function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
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
      orig().batchMatMul,
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
    orig().batchMatMul,
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

/** dst[c*rows + r] = src[r*cols + c], blocked over rows for cache reuse. */
function transpose2D(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const B = 16;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c = 0; c < cols; c++) {
      const o = c * rows;
      for (let r = r0; r < r1; r++) dst[o + r] = src[r * cols + c] as number;
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Conv2DBackpropInput                                                                        */
/* ------------------------------------------------------------------------------------------ */

/**
 * dx = 'valid' stride-1 convolution of the zero-dilated, padded dy with the spatially flipped,
 * in/out-transposed filter. For 1×1 stride-1 filters this is a 1×1 convolution of dy with Wᵀ.
 */
function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
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
    dx = call(orig().conv2d, backend, { x: dy, filter: wf }, convAttrs);
  } else {
    const dyp = dilatePad(backend, dy, H + KH - 1, W + KW - 1, KH - 1 - pt, KW - 1 - pl, SH, SW);
    dx = call(orig().conv2d, backend, { x: dyp, filter: wf }, convAttrs);
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
  backend: WasmBackendLike,
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
    orig().batchMatMul,
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

/* ------------------------------------------------------------------------------------------ */
/* DepthwiseConv2dNativeBackpropInput                                                         */
/* ------------------------------------------------------------------------------------------ */

/**
 * Channel multiplier 1, dilation 1: 'valid' stride-1 depthwise convolution of the zero-dilated,
 * padded dy with the spatially flipped filter (wasm DepthwiseConv2dNative). Otherwise a direct
 * JavaScript scatter loop.
 */
function depthwiseBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
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
      orig().depthwise,
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

/* ------------------------------------------------------------------------------------------ */
/* DepthwiseConv2dNativeBackpropFilter                                                        */
/* ------------------------------------------------------------------------------------------ */

/** dW[kh,kw,c,q] = Σ_{n,oh,ow} x[n, oh*SH+kh*DH-pt, ow*SW+kw*DW-pl, c] · dy[n,oh,ow,c*mult+q]. */
function depthwiseBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
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

/* ------------------------------------------------------------------------------------------ */
/* Forward wrappers for tensorflow/tfjs#6629                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * True when a forward convolution hits the wasm 'same'-padding bug class: strided, 'same'
 * padding, non-square filter (1×K, K×1). Such calls are rewritten as explicit zero padding
 * followed by a 'valid' convolution.
 */
function needsSameWorkaround(info: backend_util.Conv2DInfo, pad: unknown): boolean {
  return pad === 'same' && (info.strideHeight > 1 || info.strideWidth > 1) && info.filterHeight !== info.filterWidth;
}

function wrapForward(original: KernelFunc, depthwise: boolean): KernelFunc {
  const wrapped = (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const attrs = args.attrs ?? {};
    const x = args.inputs['x'];
    const filter = args.inputs['filter'];
    if (x === undefined || filter === undefined || x.shape.length !== 4) {
      return original(args as never);
    }
    const info = convInfo(x.shape, filter.shape, attrs, depthwise);
    if (!needsSameWorkaround(info, attrs['pad'])) return original(args as never);
    const backend = args.backend as WasmBackendLike;
    const p = info.padInfo;
    const xp = padSpatial(backend, x, p.top, p.bottom, p.left, p.right);
    const out = original({
      inputs: { ...args.inputs, x: xp },
      backend: backend as never,
      attrs: { ...attrs, pad: 'valid', dimRoundingMode: undefined } as unknown as NamedAttrMap,
    });
    dispose(backend, xp);
    return out;
  };
  return wrapped as unknown as KernelFunc;
}

/* ------------------------------------------------------------------------------------------ */
/* Registration                                                                               */
/* ------------------------------------------------------------------------------------------ */

function required(name: string): KernelConfig {
  const k = getKernel(name, BACKEND);
  if (k === undefined) {
    throw new Error(`tfjs-backend-wasm kernel ${name} is not registered; import '@tensorflow/tfjs-backend-wasm' first`);
  }
  return k;
}

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, BACKEND) !== undefined) {
    unregisterKernel(config.kernelName, BACKEND);
  }
  registerKernel(config);
}

/**
 * Registers the training kernels (and the forward-bug wrappers) for backendName `'wasm'`.
 * Idempotent. Call after importing `@tensorflow/tfjs-backend-wasm`; may be called before or after
 * the backend is initialised.
 */
export function registerWasmTrainingKernels(): void {
  if (originals !== null) return;
  const conv2d = required('Conv2D');
  const fusedConv2d = required('FusedConv2D');
  const depthwise = required('DepthwiseConv2dNative');
  const fusedDepthwise = required('FusedDepthwiseConv2D');
  originals = {
    conv2d: conv2d.kernelFunc,
    depthwise: depthwise.kernelFunc,
    batchMatMul: required('BatchMatMul').kernelFunc,
    transpose: required('Transpose').kernelFunc,
    padV2: required('PadV2').kernelFunc,
  };
  const own: Array<[string, KernelFunc]> = [
    ['Conv2DBackpropFilter', conv2DBackpropFilter as unknown as KernelFunc],
    ['Conv2DBackpropInput', conv2DBackpropInput as unknown as KernelFunc],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter as unknown as KernelFunc],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput as unknown as KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of own) {
    replace({ kernelName, backendName: BACKEND, kernelFunc });
  }
  for (const [cfg, dw] of [
    [conv2d, false],
    [fusedConv2d, false],
    [depthwise, true],
    [fusedDepthwise, true],
  ] as const) {
    replace({ ...cfg, kernelFunc: wrapForward(cfg.kernelFunc, dw) });
  }
  registerKernels([...WASM_ELEMENTWISE_KERNELS, ...WASM_BATCH_NORM_KERNELS, ...WASM_FUSE_CONV_KERNELS, ...WASM_GRADIENT_KERNELS]);
  installWasmGradientOverrides();
}

/** True once {@link registerWasmTrainingKernels} has run. */
export function wasmTrainingKernelsRegistered(): boolean {
  return originals !== null;
}
