import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The Node bundle of tfjs-layers registers every gradient of tfjs-core (shared global registry);
// tfjs-core's own Node bundle registers none, so training needs this import.
import '@tensorflow/tfjs-layers';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { wasmBinaryDirectory } from './wasm-paths.js';

/** What the caller asks for; `'auto'` tries tfjs-node, then wasm, then cpu. */
export type BackendPreference = 'auto' | 'tfjs-node' | 'wasm' | 'cpu';
/** The backend that ended up running. */
export type BackendName = 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendSelection {
  /** Which engine runs: native TensorFlow (`tfjs-node`), `wasm` (with our training kernels), or `cpu`. */
  name: BackendName;
  /** The tfjs backend name now active (`tensorflow`, `wasm` or `cpu`). */
  tfBackend: string;
  /** Human-readable reason for the choice, including why faster options were skipped. */
  reason: string;
  /** Threads used by the backend's kernels where known (wasm/XNNPACK), else undefined. */
  threads?: number;
}

export interface SelectBackendOptions {
  /**
   * Loader for tfjs-node; defaults to a dynamic `import('@tensorflow/tfjs-node')`. Injectable so
   * callers (and tests) can control it.
   */
  importTfjsNode?: () => Promise<unknown>;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

function message(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
  return String(e);
}

async function tryTfjsNode(load: () => Promise<unknown>): Promise<string | null> {
  try {
    await load();
  } catch (e) {
    return `${TFJS_NODE} is not installed or failed to load (${message(e)})`;
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return `${TFJS_NODE} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core (version mismatch?)`;
  }
  const ok = await tf.setBackend('tensorflow');
  return ok ? null : `the 'tensorflow' backend of ${TFJS_NODE} failed to initialise`;
}

/** The cpu backend prints a "install tfjs-node" banner on first use in Node; libs must not print. */
function silenceCpuBanner(): void {
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof b.firstUse === 'boolean') b.firstUse = false;
}

let wasmPathsSet = false;

async function tryWasm(): Promise<string | null> {
  try {
    registerWasmTrainingKernels();
    if (!wasmPathsSet && tf.findBackend('wasm') === null) {
      setWasmPaths(wasmBinaryDirectory());
      wasmPathsSet = true;
    }
    const ok = await tf.setBackend('wasm');
    return ok ? null : 'the wasm backend failed to initialise';
  } catch (e) {
    return `the wasm backend failed to initialise (${message(e)})`;
  }
}

/**
 * Chooses and activates the tfjs backend for training.
 *
 * `'auto'`: `tfjs-node` where it is installed (native TensorFlow, fastest), else `wasm` made
 * trainable by {@link registerWasmTrainingKernels} (XNNPACK forward kernels plus our gradient
 * kernels), else the pure-JS `cpu` backend. An explicit preference fails with an error if that
 * backend cannot run. Never prints; the returned `reason` is for the caller to log.
 */
export async function selectBackend(preference: BackendPreference = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const load = options.importTfjsNode ?? (() => import(/* @vite-ignore */ TFJS_NODE as string));
  const skipped: string[] = [];

  if (preference === 'auto' || preference === 'tfjs-node') {
    const why = await tryTfjsNode(load);
    if (why === null) {
      return {
        name: 'tfjs-node',
        tfBackend: 'tensorflow',
        reason: preference === 'auto' ? `${TFJS_NODE} is installed: native TensorFlow backend` : `requested ${TFJS_NODE}`,
      };
    }
    if (preference === 'tfjs-node') throw new Error(`backend 'tfjs-node' unavailable: ${why}`);
    skipped.push(why);
  }

  if (preference === 'auto' || preference === 'wasm') {
    const why = await tryWasm();
    if (why === null) {
      return {
        name: 'wasm',
        tfBackend: 'wasm',
        threads: getThreadsCount(),
        reason:
          (preference === 'auto' ? `${skipped.join('; ')}; using ` : 'requested ') +
          `wasm (XNNPACK) with fuselab training kernels, ${getThreadsCount()} thread(s)`,
      };
    }
    if (preference === 'wasm') throw new Error(`backend 'wasm' unavailable: ${why}`);
    skipped.push(why);
  }

  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error(`backend 'cpu' failed to initialise`);
  silenceCpuBanner();
  return {
    name: 'cpu',
    tfBackend: 'cpu',
    reason:
      preference === 'cpu' ? 'requested cpu (pure JavaScript, slow)' : `${skipped.join('; ')}; falling back to cpu (pure JavaScript, slow)`,
  };
}
