/**
 * The one place where this package's kernels enter tfjs's global kernel registry.
 *
 * Each kernel family (one file each, like tfjs's own kernels) exports `KernelRegistration`s: tfjs
 * `KernelConfig`s that also say how they meet a kernel already registered under the same name and
 * backend. Whether we add a kernel tfjs-backend-wasm lacks or replace one it gets wrong or slow is
 * a decision per kernel, so it is written next to that kernel (with the reason for every override)
 * rather than implied by whichever helper happened to register it.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';

/**
 * How a kernel meets one already registered under its name and backend:
 * - `'if-missing'`: the backend has no such kernel; ours is registered unless one is registered
 *   already (one registered earlier, or a later tfjs that adds it, wins).
 * - `'override'`: the backend (or another package) has this kernel but it is wrong or slow; it is
 *   unregistered and ours takes its place.
 * - `'wrap'`: an override whose kernel function calls the kernel it replaces (through
 *   {@link originalKernel}) for what it does not handle itself. The replaced config's
 *   `setupFunc`/`disposeFunc` stay, since tfjs-backend-wasm binds its wasm functions there; the
 *   replaced kernel must exist.
 */
export type Registration = 'if-missing' | 'override' | 'wrap';

export interface KernelRegistration extends KernelConfig {
  registration: Registration;
  /**
   * Kernels of the same backend that `kernelFunc` calls through {@link originalKernel}. They are
   * looked up when registering, so a missing one fails then, before anything is registered.
   */
  calls?: readonly string[];
}

/** The kernels as registered before our first registration replaced any of them. */
const originals = new Map<string, KernelConfig>();

const key = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

function capture(kernelName: string, backendName: string): void {
  if (originals.has(key(kernelName, backendName))) return;
  const config = getKernel(kernelName, backendName);
  if (config === undefined) {
    throw new Error(
      `tfjs-backend-${backendName} kernel ${kernelName} is not registered; import '@tensorflow/tfjs-backend-${backendName}' first`,
    );
  }
  originals.set(key(kernelName, backendName), config);
}

function captured(kernelName: string, backendName: string): KernelConfig {
  const config = originals.get(key(kernelName, backendName));
  if (config === undefined) throw new Error(`${backendName} kernel ${kernelName} is not captured: register the kernels that call it first`);
  return config;
}

/**
 * The kernel function `backendName` had registered as `kernelName` before {@link registerKernels}
 * replaced anything: the wasm backend's own kernel, never one of ours wrapping it.
 */
export function originalKernel(kernelName: string, backendName = 'wasm'): KernelFunc {
  return captured(kernelName, backendName).kernelFunc;
}

/** Registers each kernel as its `registration` says, in order. */
export function registerKernels(kernels: readonly KernelRegistration[]): void {
  for (const k of kernels) {
    if (k.registration === 'wrap') capture(k.kernelName, k.backendName);
    for (const name of k.calls ?? []) capture(name, k.backendName);
  }
  for (const { kernelName, backendName, kernelFunc, registration } of kernels) {
    const registered = getKernel(kernelName, backendName) !== undefined;
    if (registration === 'if-missing') {
      if (!registered) registerKernel({ kernelName, backendName, kernelFunc });
      continue;
    }
    if (registered) unregisterKernel(kernelName, backendName);
    if (registration === 'override') {
      registerKernel({ kernelName, backendName, kernelFunc });
    } else {
      registerKernel({ ...captured(kernelName, backendName), kernelFunc });
    }
  }
}
