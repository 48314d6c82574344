/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that our kernels use, and the argument shape of a
 * kernel function. The backend class is not typed for consumers, so each kernel casts its
 * `backend` argument to one of these.
 */
import type { backend_util, DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of a tensor's data on the wasm heap (no copy): writing to it writes the tensor. */
  typedArrayFromHeap(t: TensorInfo): backend_util.TypedArray;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The same backend as seen by kernels registered for float32 tensors only. */
export type Float32HeapBackend = Omit<WasmHeapBackend, 'typedArrayFromHeap'> & {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
};
