/**
 * The activation-based proxies: NASWOT (Mellor et al. 2021) from the binary activation codes of
 * one minibatch, and Zen-NAS's zen score (Lin et al. 2021) from the expressivity of Gaussian
 * networks on Gaussian inputs. Both run the model in training mode (BatchNorm on batch
 * statistics) with dropout off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { logAbsDet } from './linalg.js';
import { isBatchNorm, withLayerCalls } from '@fuselab/fuseconv/tfjs';
import { activationLayers, finite, first, inputTensor, withoutDropout, type ProxyBatch } from './model-access.js';

/**
 * naswot = log|det K|, K_ij = Σ_activation units [c_i = c_j], c the binary code (unit > 0) of
 * sample i after every ReLU, ReLU6 and h-swish (each of these is > 0 exactly where its input is).
 */
export function naswot(model: tfl.LayersModel, batch: ProxyBatch): number {
  return naswotOf(model.layers, batch.n, () => void model.apply(inputTensor(batch), { training: true }));
}

/**
 * naswot of any forward pass: `run` computes it (training mode) through `layers`, whose
 * activation layers give the codes and whose dropout is turned off — e.g. a supernet's mixture.
 */
export function naswotOf(layers: readonly tfl.layers.Layer[], n: number, run: () => void): number {
  let kernel = tf.zeros([n, n]);
  withoutDropout(layers, () =>
    withLayerCalls(
      activationLayers(layers),
      (_, original) => (inputs, kwargs) => {
        const out = first(original(inputs, kwargs));
        const next = tf.tidy(() => {
          const codes = tf.cast(tf.greater(tf.reshape(out, [n, -1]), 0), 'float32');
          // Units where i and j agree = both on + both off = c_i·c_j + (U − |c_i| − |c_j| + c_i·c_j):
          // one product instead of a second one over the complement codes. Integers below 2^24, so
          // exact in float32 in any summation order. The transpose is explicit: the wasm backend's
          // matMul with transposeB took 4× as long as transposing first (450 vs 117 ms at
          // U = 98,304), with bitwise the same result.
          const units = codes.shape[1]!;
          const on = tf.sum(codes, 1);
          const both = tf.mul(tf.matMul(codes, tf.transpose(codes)), 2);
          const agree = tf.add(tf.sub(both, tf.add(tf.reshape(on, [n, 1]), tf.reshape(on, [1, n]))), units);
          return tf.add(kernel, agree);
        });
        kernel.dispose();
        kernel = tf.keep(next);
        return out;
      },
      () => tf.tidy(run),
    ),
  );
  const values = kernel.arraySync() as number[][];
  kernel.dispose();
  const score = logAbsDet(values);
  return finite('naswot', 'the activation-code kernel (two samples activate the same units, so K is singular)', score);
}

/** Zen-NAS's perturbation scale α (its `mixup_gamma`). */
export const ZEN_ALPHA = 0.01;

/**
 * The zen score of the model as it is, for inputs `x` and `x + α ε`:
 * log(mean_n Σ |f(x) − f(x + α ε)|) + Σ_BN log √(mean_channels σ²), f the feature map before the
 * final global average pooling (layer `poolLayer`), σ² each BatchNorm's batch variance (biased,
 * what it normalises with) in the forward pass of `x`.
 */
export function zenOfModel(model: tfl.LayersModel, x: tf.Tensor4D, mixed: tf.Tensor4D, poolLayer = 'head.pool'): number {
  const pool = model.layers.find((l) => l.name === poolLayer);
  if (!pool) throw new RangeError(`zen: the model has no layer ${poolLayer} (the final global average pooling)`);
  const norms = model.layers.filter(isBatchNorm);
  const features: tf.Tensor[] = [];
  let logScale = 0;
  let recordNorms = true;
  withoutDropout(model, () =>
    withLayerCalls(
      [pool, ...norms],
      (layer, original) => (inputs, kwargs) => {
        const input = first(inputs);
        if (layer === pool) features.push(tf.keep(input.clone()));
        else if (recordNorms) {
          const variance = tf.tidy(() => tf.mean(tf.moments(input, [0, 1, 2]).variance).dataSync()[0]!);
          logScale += finite('zen', `${layer.name} (batch variance ${variance})`, Math.log(Math.sqrt(variance)));
        }
        return original(inputs, kwargs);
      },
      () => {
        tf.tidy(() => void model.apply(x, { training: true }));
        recordNorms = false;
        tf.tidy(() => void model.apply(mixed, { training: true }));
      },
    ),
  );
  const [a, b] = features as [tf.Tensor, tf.Tensor];
  const expressivity = tf.tidy(() => tf.mean(tf.sum(tf.abs(tf.sub(a, b)), [1, 2, 3])).dataSync()[0]!);
  features.forEach((t) => t.dispose());
  return finite('zen', `${poolLayer}'s input (expressivity ${expressivity})`, Math.log(expressivity)) + logScale;
}

/**
 * Zen-NAS's zen score: conv/linear kernels drawn from N(0, 1) (biases 0, BatchNorm γ = 1, β = 0),
 * x and ε from N(0, 1) in the batch's shape (the data itself is not used), one repeat. The weights
 * are restored afterwards.
 */
export function zen(model: tfl.LayersModel, batch: Pick<ProxyBatch, 'n' | 'height' | 'width' | 'channels'>, seed: number): number {
  const saved = model.weights.map((w) => w.read().clone());
  try {
    model.weights.forEach((w, i) => {
      const name = (w.originalName ?? w.name).split('/').pop() ?? '';
      const shape = w.shape as number[];
      if (/kernel/.test(name)) w.write(tf.randomNormal(shape, 0, 1, 'float32', seed + 7919 * (i + 1)));
      else if (name === 'gamma') w.write(tf.ones(shape));
      else if (name === 'bias' || name === 'beta') w.write(tf.zeros(shape));
    });
    const shape: [number, number, number, number] = [batch.n, batch.height, batch.width, batch.channels];
    const x = tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
    const noise = tf.randomNormal(shape, 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const mixed = tf.add(x, tf.mul(noise, ZEN_ALPHA)) as tf.Tensor4D;
    try {
      return zenOfModel(model, x, mixed);
    } finally {
      [x, noise, mixed].forEach((t) => t.dispose());
    }
  } finally {
    model.weights.forEach((w, i) => w.write(saved[i]!));
    saved.forEach((t) => t.dispose());
  }
}
