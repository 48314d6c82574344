export { selectBackend, type BackendName, type BackendPreference, type BackendSelection, type SelectBackendOptions } from './select.js';
export {
  registerWasmTrainingKernels,
  wasmTrainingKernelsRegistered,
  WASM_TRAINING_KERNELS,
  WASM_WRAPPED_FORWARD_KERNELS,
} from './wasm-kernels.js';
export { wasmBinaryDirectory } from './wasm-paths.js';
export { FusedAdamOptimizer, fusedAdam, adamUpdate, adamBetaPower, FUSED_ADAM } from './fused-adam.js';
