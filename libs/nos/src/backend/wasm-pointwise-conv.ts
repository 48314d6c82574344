/**
 * 1×1 convolutions as one SIMD GEMM on the wasm heap (simd/kernels.wat `gemm`), for the forward
 * `Conv2D` / `FusedConv2D` and for the input gradient of a 1×1 convolution.
 *
 * Why not XNNPACK, which runs every other convolution here: on the 34 1×1 layers of a CIFAR
 * MobileNetV2 at batch 64, this GEMM ran one forward pass 1.23–1.34× as fast as tfjs-backend-wasm
 * 4.22's Conv2D at widths 0.25–1, with equal outputs (`npm run bench:pointwise`, the two
 * alternating layer by layer in one process; figures in the package README, "1×1 convolutions on
 * a SIMD GEMM").
 * The 4×8 tile reads x and W in place, with no packing of W and no operator set-up per call; a
 * 6×8 tile spills x64's 16 vector registers and ran slower. 1×1 convolutions and their two
 * gradients (the filter gradient is `gemm_atb`) are about half of a training step.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import type { KernelRegistration } from './register.js';
import type { KernelArgs, WasmHeapBackend } from './wasm-backend-types.js';
import { sameWorkaround } from './wasm-conv-same-padding.js';
import { simdFor } from './wasm-simd.js';

/**
 * y [N,H,W,Co] = x [N·H·W, Ci] · W [Ci, Co]: the convolution of x with a 1×1 filter [1, 1, Ci, Co]
 * at stride 1, unpadded, on the SIMD GEMM. Null when the GEMM does not apply (no SIMD kernels on
 * this backend, Co not a multiple of 8, an empty operand); the caller then takes the wasm kernel.
 * The input gradient of a 1×1 convolution is this same product with dy and Wᵀ.
 */
export function gemmConv1x1(backend: WasmHeapBackend, x: TensorInfo, filter: TensorInfo): TensorInfo | null {
  const [N, H, W, Ci] = x.shape as [number, number, number, number];
  const Co = filter.shape[3] as number;
  const rows = N * H * W;
  if (Co % 8 !== 0 || rows === 0 || Ci === 0 || filter.shape[2] !== Ci) return null;
  const simd = simdFor(backend);
  if (simd === null) return null;
  const y = backend.makeOutput([N, H, W, Co], 'float32');
  simd.k.gemm(simd.ptr(x), simd.ptr(filter), simd.ptr(y), rows, Ci, Co);
  return y;
}

/** A forward call the GEMM computes: a 1×1 float32 NHWC filter at stride 1 and dilation 1, unpadded. */
function isPointwise(x: TensorInfo, filter: TensorInfo, attrs: KernelArgs['attrs']): boolean {
  const { strides, dilations, pad, dataFormat } = attrs ?? {};
  return (
    filter.shape[0] === 1 &&
    filter.shape[1] === 1 &&
    x.shape.length === 4 &&
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    isOne(strides) &&
    isOne(dilations ?? 1) &&
    (pad === 'same' || pad === 'valid' || pad === 0) &&
    (dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast')
  );
}

function isOne(v: unknown): boolean {
  return v === 1 || (Array.isArray(v) && v.every((s) => s === 1));
}

/**
 * A forward convolution kernel: 1×1 stride-1 calls on the GEMM (for `FusedConv2D` only without
 * bias and activation, the form every convolution followed by batch norm takes), every other
 * call through the same-padding workaround to the wasm kernel.
 */
function forward(kernelName: 'Conv2D' | 'FusedConv2D'): KernelFunc {
  const rest = sameWorkaround(kernelName, false);
  return (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const activation = args.attrs?.['activation'];
    // tfjs passes an absent bias as undefined; null is treated the same.
    const plain = !bias && !preluActivationWeights && (activation === undefined || activation === 'linear');
    if (x !== undefined && filter !== undefined && plain && isPointwise(x, filter, args.attrs)) {
      const y = gemmConv1x1(args.backend as WasmHeapBackend, x, filter);
      if (y !== null) return y;
    }
    return rest(args);
  };
}

const wrapped = (kernelName: 'Conv2D' | 'FusedConv2D'): KernelRegistration => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: forward(kernelName),
  // Wrap (an override): 1×1 convolutions are faster on the GEMM, strided 1×K / K×1 'same' ones
  // are wrong in the wasm kernel (wasm-conv-same-padding.ts); the wasm kernel runs the rest.
  registration: 'wrap',
  calls: ['PadV2'],
});

export const WASM_POINTWISE_CONV_KERNELS: readonly KernelRegistration[] = [wrapped('Conv2D'), wrapped('FusedConv2D')];
