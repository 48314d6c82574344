/**
 * Forward convolutions that work around tensorflow/tfjs#6629: tfjs-backend-wasm 4.22 computes
 * wrong values for strided 1×K / K×1 convolutions with 'same' padding. The four forward
 * convolution kernels are wrapped so that such calls become explicit zero padding followed by a
 * 'valid' convolution; every other call goes to the wasm kernel unchanged. The two depthwise ones
 * are registered here, Conv2D and FusedConv2D by wasm-pointwise-conv.ts (which also takes their
 * 1×1 calls).
 */
import type { backend_util, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

import { originalKernel, type KernelRegistration } from './register.js';
import type { KernelArgs, WasmHeapBackend } from './wasm-backend-types.js';
import { call, convInfo, dispose } from './wasm-conv-helpers.js';

/** Zero-pads x [N,H,W,C] spatially (explicit amounts) with the wasm PadV2 kernel. */
function padSpatial(backend: WasmHeapBackend, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  return call(
    originalKernel('PadV2'),
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

/**
 * True when a forward convolution hits the wasm 'same'-padding bug class: strided, 'same'
 * padding, non-square filter (1×K, K×1). Such calls are rewritten as explicit zero padding
 * followed by a 'valid' convolution.
 */
function needsSameWorkaround(info: backend_util.Conv2DInfo, pad: unknown): boolean {
  return pad === 'same' && (info.strideHeight > 1 || info.strideWidth > 1) && info.filterHeight !== info.filterWidth;
}

/** The wasm kernel `kernelName` with calls of the bug class rewritten; others pass through unchanged. */
export function sameWorkaround(kernelName: string, depthwise: boolean): KernelFunc {
  return (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const original = originalKernel(kernelName);
    const attrs = args.attrs ?? {};
    const x = args.inputs['x'];
    const filter = args.inputs['filter'];
    if (x === undefined || filter === undefined || x.shape.length !== 4) {
      return original(args);
    }
    const info = convInfo(x.shape, filter.shape, attrs, depthwise);
    if (!needsSameWorkaround(info, attrs['pad'])) return original(args);
    const backend = args.backend as WasmHeapBackend;
    const p = info.padInfo;
    const xp = padSpatial(backend, x, p.top, p.bottom, p.left, p.right);
    const out = original({
      inputs: { ...args.inputs, x: xp },
      backend,
      // The padding is explicit now, so no rounding mode applies (tfjs types attributes without
      // `undefined`, hence the cast).
      attrs: { ...attrs, pad: 'valid', dimRoundingMode: undefined } as unknown as NamedAttrMap,
    });
    dispose(backend, xp);
    return out;
  };
}

const wrapped = (kernelName: string, depthwise: boolean): KernelRegistration => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: sameWorkaround(kernelName, depthwise),
  // Wrap (an override): the wasm kernel computes wrong values for this bug class, and runs the rest.
  registration: 'wrap',
  calls: ['PadV2'],
});

// Conv2D and FusedConv2D are registered by wasm-pointwise-conv.ts, which puts 1×1 calls on a GEMM
// and hands the rest to `sameWorkaround`.
export const WASM_CONV_SAME_PADDING_KERNELS: readonly KernelRegistration[] = [
  wrapped('DepthwiseConv2dNative', true),
  wrapped('FusedDepthwiseConv2D', true),
];
