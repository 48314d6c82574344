/**
 * Parameter and MAC counting.
 *
 * `params` counts what PyTorch's `sum(p.numel() for p in model.parameters())` counts for the
 * reference model: conv and linear weights and biases plus BatchNorm weight and bias (no running
 * statistics) — including the 1×1 expansion conv (+BN) the reference's FuSe blocks build but never
 * call when the expansion ratio is 1. `unusedParams` is the part of `params` in such never-called
 * modules, so `params - unusedParams` is the live network. `macs` counts the multiply-accumulates
 * of the convolutions and linear layers the forward pass calls (biases, BN, activations, SE
 * scaling, pooling and residual additions excluded).
 */
import { listModules, type NetworkModule } from './module-list.js';
import type { NetworkName, NetworkSpec, VariantName } from './types.js';

/** Trainable parameters of one module, with its BatchNorm. */
export function moduleParams(m: NetworkModule): number {
  if (m.op === 'linear') return m.inFeatures * m.outFeatures + (m.bias ? m.outFeatures : 0);
  const weights = m.kernelH * m.kernelW * (m.inChannels / m.groups) * m.outChannels;
  return weights + (m.bias ? m.outChannels : 0) + (m.batchNorm ? 2 * m.outChannels : 0);
}

/** Multiply-accumulates of one module call (0 for never-called modules). */
export function moduleMacs(m: NetworkModule): number {
  if (!m.called) return 0;
  if (m.op === 'linear') return m.inFeatures * m.outFeatures;
  return m.outputH * m.outputW * m.kernelH * m.kernelW * (m.inChannels / m.groups) * m.outChannels;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Parameters as PyTorch counts the reference model (never-called modules included). */
export function countParams(spec: NetworkSpec): number {
  return sum(listModules(spec).map(moduleParams));
}

/** Parameters of modules the reference builds but never calls (part of {@link countParams}). */
export function countUnusedParams(spec: NetworkSpec): number {
  return sum(
    listModules(spec)
      .filter((m) => !m.called)
      .map(moduleParams),
  );
}

/** Multiply-accumulates of the convolutions and linear layers of one forward pass (batch 1). */
export function countMacs(spec: NetworkSpec): number {
  return sum(listModules(spec).map(moduleMacs));
}

/** The figures `fuselab model stats` reports. */
export interface ModelStats {
  network: NetworkName;
  variant: VariantName | 'custom';
  params: number;
  unusedParams: number;
  macs: number;
}

export function modelStats(spec: NetworkSpec): ModelStats {
  const modules = listModules(spec);
  return {
    network: spec.network,
    variant: spec.variant,
    params: sum(modules.map(moduleParams)),
    unusedParams: sum(modules.filter((m) => !m.called).map(moduleParams)),
    macs: sum(modules.map(moduleMacs)),
  };
}
