/**
 * @fuselab/nas/proxies — zero-cost proxies of a network on one minibatch (loads tfjs; cpu
 * backend): synflow, grad_norm, snip, grasp, fisher, jacob_cov, naswot, zen, and params / macs as
 * baselines. Definitions and decisions: README.md, "Zero-cost proxies".
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { modelStats, type NetworkSpec } from '@fuselab/fuseconv';
import { buildModel } from '@fuselab/fuseconv/tfjs';
import { NasInputError } from './errors.js';
import { naswot, zen } from './proxies/activation.js';
import { fisher, gradNorm, grasp, jacobCov, snip } from './proxies/gradient.js';
import type { ProxyBatch } from './proxies/model-access.js';
import { synflowOfSpec, synflowScore, withBackend } from './synflow.js';

export { rankVote } from './proxies/vote.js';
export { logAbsDet, symmetricEigenvalues, correlationMatrix } from './proxies/linalg.js';
export { gradNorm, snip, grasp, fisher, jacobCov, GRASP_STEP, JACOB_COV_K } from './proxies/gradient.js';
export { naswot, zen, zenOfModel, ZEN_ALPHA } from './proxies/activation.js';
export type { ProxyBatch } from './proxies/model-access.js';

export const PROXIES = ['synflow', 'grad_norm', 'snip', 'grasp', 'fisher', 'jacob_cov', 'naswot', 'zen', 'params', 'macs'] as const;
export type ProxyName = (typeof PROXIES)[number];
/** Proxies that differentiate the cross-entropy loss, so need labels. */
export const LABELLED_PROXIES: readonly ProxyName[] = ['grad_norm', 'snip', 'grasp', 'fisher'];
/** Proxies that read the minibatch's images (the others use only its shape, or nothing). */
export const DATA_PROXIES: readonly ProxyName[] = [...LABELLED_PROXIES, 'jacob_cov', 'naswot'];

export function validateProxies(names: readonly string[], labelled: boolean, field = 'proxies'): ProxyName[] {
  if (names.length === 0) throw new NasInputError(field, `expected at least one proxy (${PROXIES.join(', ')})`);
  names.forEach((name, i) => {
    if (!(PROXIES as readonly string[]).includes(name))
      throw new NasInputError(field, `unknown proxy ${JSON.stringify(name)}, expected one of ${PROXIES.join(', ')}`);
    if (names.indexOf(name) !== i) throw new NasInputError(field, `duplicate proxy ${JSON.stringify(name)}`);
    if (!labelled && LABELLED_PROXIES.includes(name as ProxyName))
      throw new NasInputError(field, `${name} needs labels (it differentiates the cross-entropy loss), and this data set has none`);
  });
  return names as ProxyName[];
}

type ModelProxy = (model: tfl.LayersModel, batch: ProxyBatch, seed: number) => number;
const MODEL_PROXIES: Record<Exclude<ProxyName, 'synflow' | 'params' | 'macs'>, ModelProxy> = {
  grad_norm: gradNorm,
  snip,
  grasp,
  fisher,
  jacob_cov: jacobCov,
  naswot,
  zen: (model, batch, seed) => zen(model, batch, seed),
};

/**
 * Proxies of any single-input, logits-output tfjs model (synflow without linearisation; no
 * params/macs), on `options.backend` (default `cpu`; see {@link ScoreOptions}) — the backend the
 * model's weights live on, so that none are copied between backends.
 */
export async function scoreModel(
  model: tfl.LayersModel,
  batch: ProxyBatch,
  proxies: readonly string[],
  seed = 1,
  options: ScoreOptions = {},
): Promise<Partial<Record<ProxyName, number>>> {
  const names = validateProxies(proxies, batch.labels !== undefined);
  return withBackend(options.backend ?? 'cpu', async () => {
    const scores: Partial<Record<ProxyName, number>> = {};
    for (const name of names) {
      if (name === 'params' || name === 'macs') throw new NasInputError('proxies', `${name} needs a network spec (scoreSpec)`);
      scores[name] = name === 'synflow' ? await synflowScore(model) : MODEL_PROXIES[name](model, batch, seed);
    }
    return scores;
  });
}

export interface ScoreOptions {
  /**
   * The registered tfjs backend the model proxies run on (default `cpu`, tfjs' JavaScript
   * reference: what the hand-computed tests pin). A faster one (`wasm` with fuselab's kernels,
   * `tensorflow`) computes the same sums in a different float32 order. synflow stays on `cpu`, as
   * the search objective computes it.
   */
  backend?: string;
}

/**
 * Proxies of a network spec: its tfjs model built with `seed` (as it trains: BatchNorm fused with
 * its ReLU/ReLU6 in fuseconv's `BatchNormActivation`), scored on `batch`, disposed. `synflow` is the search objective's (linearised
 * activations; README "Objectives"); `params`/`macs` are fuseconv's counts. Keys in `proxies` order.
 */
export async function scoreSpec(
  spec: NetworkSpec,
  batch: ProxyBatch,
  proxies: readonly string[],
  seed = 1,
  options: ScoreOptions = {},
): Promise<Partial<Record<ProxyName, number>>> {
  const names = validateProxies(proxies, batch.labels !== undefined);
  if (batch.height !== spec.inputSize || batch.width !== spec.inputSize || batch.channels !== spec.inputChannels) {
    throw new NasInputError(
      'batch',
      `images are ${batch.height}×${batch.width}×${batch.channels}, the network takes ${spec.inputSize}×${spec.inputSize}×${spec.inputChannels}`,
    );
  }
  return withBackend(options.backend ?? 'cpu', async () => {
    const scores: Partial<Record<ProxyName, number>> = {};
    const stats = modelStats(spec);
    const modelNames = names.filter((n) => n !== 'synflow' && n !== 'params' && n !== 'macs');
    // The fused BatchNorm is the training model's: on wasm the gradient proxies run ~5× faster than
    // through tfjs' unfused BatchNorm ops, and nearer the cpu backend's values (grad_norm of a CIFAR
    // MobileNetV2 w0.25, batch 16: 0.03 % from cpu fused, where wasm unfused was 0.6 % off cpu unfused).
    const model = modelNames.length > 0 ? buildModel(spec, { seed }).model : null;
    try {
      for (const name of names) {
        if (name === 'params') scores.params = stats.params;
        else if (name === 'macs') scores.macs = stats.macs;
        else if (name === 'synflow') scores.synflow = await synflowOfSpec(spec, { seed }).catch(asInputError);
        else scores[name] = MODEL_PROXIES[name](model!, batch, seed);
      }
    } finally {
      model?.dispose();
    }
    return scores;
  });
}

/** synflow's overflow (a RangeError naming the weight) as bad input: the width is the caller's choice. */
function asInputError(error: unknown): never {
  if (error instanceof RangeError)
    throw new NasInputError('proxies', `${error.message.replace(/^synflow overflowed float32/, 'synflow is not finite')}`);
  throw error;
}

/**
 * Turns off tfjs's console warnings (tfjs `PROD` mode), among them the cpu backend's multi-line
 * "running TensorFlow.js in Node.js" banner, so a CLI's stderr carries only its own lines.
 */
export function quietTfjs(): void {
  tf.env().set('PROD', true);
}
