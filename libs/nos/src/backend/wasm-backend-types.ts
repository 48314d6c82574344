/**
 * The types every kernel module here shares, aliased once.
 *
 * A kernel function takes tfjs's own argument type (`KernelArgs`, whose `backend` is `{}`), so each
 * one is a tfjs `KernelFunc` as written and registers without a cast, and a kernel can hand its
 * arguments on to another tfjs kernel unchanged. tfjs-backend-wasm does not export its
 * `BackendWasm` class with types, so a kernel narrows `backend` to the part it uses
 * (`WasmHeapBackend`) with one `as`.
 */
import type { backend_util, DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The argument of a tfjs kernel function: `{ inputs, backend, attrs? }`. */
export type KernelArgs = Parameters<KernelFunc>[0];

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
