/**
 * Heap helpers shared by the convolution kernel families (Conv2D and depthwise backprops, the
 * 'same'-padding workaround): convolution geometry from kernel attributes, calls into other wasm
 * kernels, and the copies (zero-dilation, transposition) that turn a gradient into a convolution
 * or a GEMM that XNNPACK can run. Only NHWC, like the wasm forward kernels themselves.
 */
import { backend_util, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

import type { WasmHeapBackend } from './wasm-backend-types.js';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

export function f32(backend: WasmHeapBackend, t: TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return a;
}

/** Runs another kernel that returns one tensor (our kernels only call such kernels). */
export function call(fn: KernelFunc, backend: WasmHeapBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const out = fn({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error('expected a single output');
  return out;
}

export function dispose(backend: WasmHeapBackend, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

export function shape4(s: readonly number[], what: string): Shape4 {
  if (s.length !== 4) throw new Error(`${what} must be rank 4, got shape [${s.join(',')}]`);
  return s as Shape4;
}

export function checkNHWC(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernel} supports only NHWC, got dataFormat ${String(dataFormat)}`);
  }
}

/**
 * The convolution geometry of a kernel call from its attributes: strides, pad, dimRoundingMode and
 * dilations (absent — so 1 — on tfjs's Conv2D backprop kernels).
 */
export function convInfo(
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

/**
 * Writes `dy` [N, Ho, Wo, C] into a zeroed [N, Hp, Wp, C] buffer at rows `offT + oh*SH`, columns
 * `offL + ow*SW` (the zero-dilated, padded gradient of a transposed convolution). Rows or columns
 * falling outside the buffer are dropped (they only meet padding).
 */
export function dilatePad(
  backend: WasmHeapBackend,
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

/** dst[c*rows + r] = src[r*cols + c], blocked over rows for cache reuse. */
export function transpose2D(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const B = 16;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c = 0; c < cols; c++) {
      const o = c * rows;
      for (let r = r0; r < r1; r++) dst[o + r] = src[r * cols + c] as number;
    }
  }
}
