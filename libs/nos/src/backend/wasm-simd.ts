/**
 * Hand-written WebAssembly SIMD kernels that run in place on the tfjs-backend-wasm heap.
 *
 * tfjs-backend-wasm exports its `WebAssembly.Memory`; a second, small module (simd/kernels.wat,
 * assembled into simd-kernels.ts) imports that memory, so its loops read and write tensors where
 * they live, 4 float32 lanes at a time. JavaScript loops over the same data run 5–10× slower.
 * Used for the fused batch norm + activation, the FuSe stage, the depthwise gradients, and the
 * 1×1 convolution with its filter and input gradients, when the channel counts are multiples of
 * 4 (8); other shapes take the previous paths.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

import { SIMD_KERNELS_WASM_BASE64 } from './simd-kernels.js';

/** The WebAssembly JS API (typed locally: the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

export interface SimdExports {
  bn_stats(x: number, rows: number, C: number, shift: number, s1: number, s2: number): void;
  bn_apply(x: number, y: number, n: number, C: number, k: number, b: number, lo: number, hi: number): void;
  bn_grad_sums(
    dy: number,
    x: number,
    rows: number,
    C: number,
    k: number,
    b: number,
    mu: number,
    lo: number,
    hi: number,
    s1: number,
    s2: number,
  ): void;
  bn_grad_dx(
    dy: number,
    x: number,
    dx: number,
    n: number,
    C: number,
    k: number,
    b: number,
    lo: number,
    hi: number,
    w: number,
    u: number,
  ): void;
  fuse_pass(
    role: number,
    x: number,
    g: number,
    w: number,
    H: number,
    W: number,
    Cin: number,
    Ho: number,
    Wo: number,
    Cout: number,
    i0: number,
    o0: number,
    Cb: number,
    K: number,
    s: number,
    p: number,
    vert: number,
  ): void;
  gemm_atb(x: number, g: number, out: number, M: number, Ci: number, Co: number): void;
  /** c [M, N] = a [M, K] · b [K, N] (overwritten); N a multiple of 8, K ≥ 1. */
  gemm(a: number, b: number, c: number, M: number, K: number, N: number): void;
  dw_pass(
    role: number,
    x: number,
    dy: number,
    acc: number,
    H: number,
    W: number,
    C: number,
    Ho: number,
    Wo: number,
    KH: number,
    KW: number,
    SH: number,
    SW: number,
    pt: number,
    pl: number,
  ): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm (4.22) this module relies on. */
interface WasmInternals {
  wasm?: {
    asm?: { memory?: unknown };
    _malloc?: (bytes: number) => number;
    _free?: (ptr: number) => void;
  };
  dataIdMap?: { get(dataId: object): { memoryOffset: number | null } | undefined };
}

export interface Simd {
  k: SimdExports;
  memory: WasmMemory;
  /** Byte offset of a tensor's data on the heap. */
  ptr(t: TensorInfo): number;
  /** A scratch region of at least `bytes` bytes (16-aligned, reused: valid until the next call). */
  scratch(bytes: number): number;
  f32(ptr: number, n: number): Float32Array;
  f64(ptr: number, n: number): Float64Array;
}

let module: object | null | undefined;

function compiled(): object | null {
  if (module !== undefined) return module;
  if (WA === undefined) return (module = null);
  try {
    const bin = atob(SIMD_KERNELS_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    module = WA.validate(bytes) ? new WA.Module(bytes) : null;
  } catch {
    module = null;
  }
  return module;
}

const instances = new WeakMap<object, Simd | null>();

/** The SIMD kernels bound to a wasm backend's heap, or null when unavailable (no SIMD, other build). */
export function simdFor(backend: unknown): Simd | null {
  if (typeof backend !== 'object' || backend === null) return null;
  const cached = instances.get(backend);
  if (cached !== undefined) return cached;
  const b = backend as WasmInternals;
  const memory = b.wasm?.asm?.memory;
  const malloc = b.wasm?._malloc;
  const free = b.wasm?._free;
  const dataIdMap = b.dataIdMap;
  const mod = compiled();
  let simd: Simd | null = null;
  if (WA !== undefined && memory instanceof WA.Memory && malloc && free && dataIdMap && mod !== null) {
    try {
      const inst = new WA.Instance(mod, { env: { memory } });
      let scratchPtr = 0;
      let scratchBytes = 0;
      simd = {
        k: inst.exports as unknown as SimdExports,
        memory,
        ptr: (t) => {
          const off = dataIdMap.get(t.dataId)?.memoryOffset;
          if (off === null || off === undefined) throw new Error('tensor has no data on the wasm heap');
          return off;
        },
        scratch: (bytes) => {
          if (bytes > scratchBytes) {
            if (scratchPtr !== 0) free(scratchPtr);
            scratchBytes = Math.max(bytes, 2 * scratchBytes, 4096);
            const raw = malloc(scratchBytes + 16) >>> 0;
            scratchPtr = raw;
            if (raw === 0) throw new Error('wasm malloc failed');
          }
          return (scratchPtr + 15) & ~15;
        },
        f32: (ptr, n) => new Float32Array(memory.buffer, ptr, n),
        f64: (ptr, n) => new Float64Array(memory.buffer, ptr, n),
      };
    } catch {
      simd = null;
    }
  }
  instances.set(backend, simd);
  return simd;
}
