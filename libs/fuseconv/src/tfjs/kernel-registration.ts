/** Registering our JavaScript kernels with tfjs without replacing kernels someone else registered. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Registers each `[kernelName, kernelFunc]` for every backend in `backends` where that kernel is
 * not registered yet (a faster implementation registered earlier, e.g. by @fuselab/nos for wasm,
 * wins).
 */
export function registerMissingKernels(
  backends: readonly string[],
  kernels: ReadonlyArray<readonly [kernelName: string, kernelFunc: unknown]>,
): void {
  for (const backendName of backends) {
    for (const [kernelName, kernelFunc] of kernels) {
      if (tf.getKernel(kernelName, backendName) === undefined) {
        tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
      }
    }
  }
}
