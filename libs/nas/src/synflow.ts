/**
 * The synflow zero-cost proxy (Tanaka et al. 2020; Abdelfattah et al. 2021) with tfjs:
 *
 *   synflow = Σ_θ |θ ⊙ ∂R/∂θ|,   R = Σ f(1; |θ|)
 *
 * every weight replaced by its absolute value, an all-ones input, BatchNorm in inference mode
 * (fresh statistics: mean 0, variance 1, so BN is the identity up to 1/√(1+ε)), dropout off; the
 * sum runs over the trainable parameters. Loaded lazily: only this module imports tfjs.
 *
 * For network specs the activations are linearised by default (every ReLU/ReLU6/h-swish becomes
 * the identity, the SE gate stays a hard sigmoid): with |θ| and a ones input every signal is
 * non-negative, where ReLU already is the identity, but ReLU6 saturates at 6 and zeroes every
 * gradient behind it, which makes the score of ReLU6 networks (MobileNetV2, MnasNet) the same for
 * every operator choice. `linearise: false` keeps the spec's activations.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildModel } from '@fuselab/fuseconv/tfjs';
import { buildNetwork, type NetworkSpec } from '@fuselab/fuseconv';
import type { EvaluationSettings } from './objectives.js';
import type { Candidate } from './space.js';

/** Width of the synflow model unless the settings give one. */
export const DEFAULT_SYNFLOW_WIDTH = 0.25;

export interface SynflowOptions {
  /** tfjs backend to compute on (default `cpu`); restored afterwards. */
  backend?: string;
}

/** A copy of a spec with every activation set to the identity (SE gates unchanged). */
export function lineariseSpec(spec: NetworkSpec): NetworkSpec {
  const copy = structuredClone(spec) as NetworkSpec;
  for (const op of [...copy.stem, ...copy.head]) if (op.op === 'conv') op.activation = 'none';
  for (const b of copy.blocks) b.activations = { expand: 'none', depthwise: 'none', project: 'none' };
  return copy;
}

export async function withBackend<T>(backend: string, run: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (previous !== backend) await tf.setBackend(backend);
  try {
    return await run();
  } finally {
    if (previous !== backend && previous) await tf.setBackend(previous);
  }
}

/**
 * Synflow of any single-input tfjs model (first output summed). The model's weights are replaced
 * by their absolute values for the computation and restored afterwards.
 */
export async function synflowScore(model: tfl.LayersModel, options: SynflowOptions = {}): Promise<number> {
  return withBackend(options.backend ?? 'cpu', () => {
    const saved = model.weights.map((w) => w.read().clone());
    try {
      for (const w of model.weights) w.write(tf.tidy(() => tf.abs(w.read())));
      const inputShape = model.inputs[0]!.shape.map((d) => d ?? 1);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      // Per-weight terms, kept only to name the first non-finite one if the total overflows.
      const terms: Array<{ name: string; term: tf.Scalar }> = [];
      const score = tf.tidy(() => {
        const ones = tf.ones(inputShape);
        const { grads } = tf.variableGrads(() => {
          const out = model.apply(ones, { training: false });
          const first = (Array.isArray(out) ? out[0]! : out) as tf.Tensor;
          return tf.sum(first) as tf.Scalar;
        }, variables);
        let total = tf.scalar(0);
        for (const v of variables) {
          const g = grads[v.name];
          if (!g) continue;
          const term = tf.sum(tf.abs(tf.mul(v, g))) as tf.Scalar;
          terms.push({ name: v.name, term: tf.keep(term) });
          total = tf.add(total, term);
        }
        return total;
      });
      const value = score.dataSync()[0]!;
      score.dispose();
      try {
        if (!Number.isFinite(value)) {
          const bad = terms.find((t) => !Number.isFinite(t.term.dataSync()[0]!));
          const at = bad ? ` at ${bad.name.replace(/_\d+$/, '')}` : ' in the sum of the layers';
          throw new RangeError(`synflow overflowed float32 (${value})${at}; use a smaller width or a shallower network`);
        }
      } finally {
        terms.forEach((t) => t.term.dispose());
      }
      return value;
    } finally {
      model.weights.forEach((w, i) => w.write(saved[i]!));
      saved.forEach((t) => t.dispose());
    }
  });
}

/** Synflow of a network spec: builds the tfjs model (seeded), scores it, disposes it. */
export async function synflowOfSpec(
  spec: NetworkSpec,
  options: SynflowOptions & { seed?: number; linearise?: boolean } = {},
): Promise<number> {
  return withBackend(options.backend ?? 'cpu', async () => {
    const built = buildModel(options.linearise === false ? spec : lineariseSpec(spec), { seed: options.seed ?? 1 });
    try {
      return await synflowScore(built.model, options);
    } finally {
      built.model.dispose();
    }
  });
}

/**
 * Synflow of a candidate at the settings' synflow shape (default width 0.25, 32×32, 10 classes:
 * at width 1 the deeper networks' linearised signals overflow float32).
 */
export async function synflowOfCandidate(
  settings: EvaluationSettings,
  candidate: Candidate,
  options: SynflowOptions = {},
): Promise<number> {
  const s = settings.synflow ?? {};
  const width = s.width ?? DEFAULT_SYNFLOW_WIDTH;
  const spec = buildNetwork({
    network: settings.network,
    operators: candidate.operators,
    inputSize: s.inputSize ?? 32,
    numClasses: s.numClasses ?? 10,
    width,
  });
  return synflowOfSpec(spec, { ...options, seed: s.seed ?? 1 });
}
