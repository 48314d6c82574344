/**
 * `registerWasmTrainingKernels()`: what makes tfjs-backend-wasm 4.22 trainable, and fast enough to
 * train on. Its forward convolutions are fast (XNNPACK), but it lacks the gradient kernels of
 * `conv2d` and `depthwiseConv2d`, gets strided 1×K / K×1 'same' convolutions wrong
 * (tensorflow/tfjs#6629), and spends most of a training step in slow element-wise kernels and
 * multi-op gradients. Each kernel family lives in its own file and says there how it is registered
 * (register.ts); this module only lists the families.
 */
import { registerKernels } from './register.js';
import { WASM_BATCH_NORM_KERNELS } from './wasm-batch-norm.js';
import { WASM_CONV_SAME_PADDING_KERNELS } from './wasm-conv-same-padding.js';
import { WASM_CONV2D_BACKPROP_FILTER_KERNELS } from './wasm-conv2d-backprop-filter.js';
import { WASM_CONV2D_BACKPROP_INPUT_KERNELS } from './wasm-conv2d-backprop-input.js';
import { WASM_DEPTHWISE_BACKPROP_KERNELS } from './wasm-depthwise-backprop.js';
import { WASM_ELEMENTWISE_KERNELS } from './wasm-elementwise.js';
import { WASM_FUSE_CONV_KERNELS } from './wasm-fuse-conv.js';
import { WASM_POINTWISE_CONV_KERNELS } from './wasm-pointwise-conv.js';
import { installWasmGradientOverrides, WASM_GRADIENT_KERNELS } from './wasm-gradients.js';

/** The convolution gradient kernels registered for the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;
/** The forward convolution kernels wrapped for tensorflow/tfjs#6629 (Conv2D and FusedConv2D also for 1×1 on the GEMM). */
export const WASM_WRAPPED_FORWARD_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] as const;

let registered = false;

/**
 * Registers the training kernels (and the forward-bug wrappers) for backendName `'wasm'`.
 * Idempotent. Call after importing `@tensorflow/tfjs-backend-wasm`; may be called before or after
 * the backend is initialised.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registerKernels([
    ...WASM_CONV2D_BACKPROP_FILTER_KERNELS,
    ...WASM_CONV2D_BACKPROP_INPUT_KERNELS,
    ...WASM_DEPTHWISE_BACKPROP_KERNELS,
    ...WASM_CONV_SAME_PADDING_KERNELS,
    ...WASM_POINTWISE_CONV_KERNELS,
    ...WASM_ELEMENTWISE_KERNELS,
    ...WASM_BATCH_NORM_KERNELS,
    ...WASM_FUSE_CONV_KERNELS,
    ...WASM_GRADIENT_KERNELS,
  ]);
  installWasmGradientOverrides();
  registered = true;
}

/** True once {@link registerWasmTrainingKernels} has run. */
export function wasmTrainingKernelsRegistered(): boolean {
  return registered;
}
