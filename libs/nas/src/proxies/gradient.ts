/**
 * The gradient-based proxies (Abdelfattah et al. 2021, SamsungLabs/zero-cost-nas): grad_norm, snip,
 * grasp and fisher differentiate the mean cross-entropy of one labelled minibatch; jacob_cov
 * differentiates the summed logits with respect to the input. All run the model in training mode
 * (BatchNorm on batch statistics) with dropout off; sums are taken in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { withLayerCalls } from '@fuselab/fuseconv/tfjs';
import { correlationMatrix, symmetricEigenvalues } from './linalg.js';
import {
  crossEntropy,
  finite,
  first,
  inputTensor,
  labelsOf,
  logitsOf,
  scoredWeights,
  withoutDropout,
  WEIGHTED_LAYER_CLASSES,
  type ProxyBatch,
  type ScoredWeight,
} from './model-access.js';

/** Gradients of the loss with respect to each scored weight, as float32 arrays. */
function lossGradients(model: tfl.LayersModel, batch: ProxyBatch, weights: readonly ScoredWeight[], proxy: string): Float32Array[] {
  const labels = labelsOf(batch, proxy);
  return withoutDropout(model, () =>
    tf.tidy(() => {
      const x = inputTensor(batch);
      const { grads } = tf.variableGrads(
        () => crossEntropy(logitsOf(model, x), labels),
        weights.map((w) => w.variable),
      );
      return weights.map((w) =>
        grads[w.variable.name] ? (grads[w.variable.name]!.dataSync() as Float32Array) : new Float32Array(w.variable.size),
      );
    }),
  );
}

/** grad_norm = Σ_layers ‖∂L/∂W‖₂ (Frobenius norm of each conv/linear kernel's gradient). */
export function gradNorm(model: tfl.LayersModel, batch: ProxyBatch): number {
  const weights = scoredWeights(model);
  const grads = lossGradients(model, batch, weights, 'grad_norm');
  return weights.reduce((total, w, i) => total + finite('grad_norm', w.name, Math.sqrt(grads[i]!.reduce((s, g) => s + g * g, 0))), 0);
}

/** snip = Σ |∂L/∂W ⊙ W| (the reference's gradient of a ones mask on each weight). */
export function snip(model: tfl.LayersModel, batch: ProxyBatch): number {
  const weights = scoredWeights(model);
  const grads = lossGradients(model, batch, weights, 'snip');
  return weights.reduce((total, w, i) => {
    const values = w.variable.dataSync();
    let sum = 0;
    for (let k = 0; k < values.length; k++) sum += Math.abs(values[k]! * grads[i]![k]!);
    return total + finite('snip', w.name, sum);
  }, 0);
}

/** Relative size of grasp's finite-difference step: ‖h·g‖ = GRASP_STEP · ‖W‖. */
export const GRASP_STEP = 1e-3;

/**
 * grasp = Σ −W ⊙ (H g), g = ∂L/∂W, H the Hessian of L in the conv/linear kernels. H g is the
 * central difference (∇L(W + h g) − ∇L(W − h g)) / 2h (tfjs has no second derivatives of its
 * convolution gradients), with ‖h g‖ = GRASP_STEP · ‖W‖.
 */
export function grasp(model: tfl.LayersModel, batch: ProxyBatch): number {
  const weights = scoredWeights(model);
  const g = lossGradients(model, batch, weights, 'grasp');
  const original = weights.map((w) => Float32Array.from(w.variable.dataSync()));
  const norm = (arrays: readonly Float32Array[]) => Math.sqrt(arrays.reduce((s, a) => s + a.reduce((t, v) => t + v * v, 0), 0));
  const gNorm = norm(g);
  if (gNorm === 0) return 0;
  const h = (GRASP_STEP * norm(original)) / gNorm;
  const shifted = (sign: number) => {
    weights.forEach((w, i) => {
      const moved = original[i]!.map((v, k) => v + sign * h * g[i]![k]!);
      w.variable.assign(tf.tensor(moved, w.variable.shape));
    });
    return lossGradients(model, batch, weights, 'grasp');
  };
  let plus: Float32Array[];
  let minus: Float32Array[];
  try {
    plus = shifted(1);
    minus = shifted(-1);
  } finally {
    weights.forEach((w, i) => w.variable.assign(tf.tensor(original[i]!, w.variable.shape)));
  }
  return weights.reduce((total, w, i) => {
    let sum = 0;
    for (let k = 0; k < original[i]!.length; k++) sum -= original[i]![k]! * ((plus[i]![k]! - minus[i]![k]!) / (2 * h));
    return total + finite('grasp', w.name, sum);
  }, 0);
}

/**
 * fisher = Σ_layers Σ_channels ½ · mean_n (Σ_spatial a ⊙ ∂L/∂a)², a the output of each conv/linear
 * layer (before its BatchNorm), per channel k and sample n — the reference's hook on an identity
 * after every `nn.Conv2d`/`nn.Linear`.
 */
export function fisher(model: tfl.LayersModel, batch: ProxyBatch): number {
  const labels = labelsOf(batch, 'fisher');
  const perLayer = new Map<string, number>();
  const layers = model.layers.filter((l) => WEIGHTED_LAYER_CLASSES.includes(l.getClassName()));
  const record = (name: string, act: tf.Tensor, dy: tf.Tensor) => {
    const perSample = tf.tidy(() => {
      const product = tf.mul(act, dy);
      return act.rank > 2 ? tf.sum(product, [1, 2]) : product; // [n, channels]
    });
    const [n, channels] = perSample.shape as [number, number];
    const values = perSample.dataSync();
    perSample.dispose();
    let sum = 0;
    for (let k = 0; k < channels; k++) {
      let squares = 0;
      for (let i = 0; i < n; i++) squares += values[i * channels + k]! ** 2;
      sum += Math.abs(0.5 * (squares / n));
    }
    perLayer.set(name, (perLayer.get(name) ?? 0) + sum);
  };
  withoutDropout(model, () =>
    withLayerCalls(
      layers,
      (layer, original) => (inputs, kwargs) => {
        const out = first(original(inputs, kwargs));
        const tap = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
          save([x]);
          return { value: tf.clone(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (record(layer.name, saved[0]!, dy), [dy]) };
        }) as unknown as Parameters<typeof tf.customGrad>[0]);
        return tap(out);
      },
      () =>
        tf.tidy(() => {
          const x = inputTensor(batch);
          const weights = scoredWeights(model);
          tf.variableGrads(
            () => crossEntropy(logitsOf(model, x), labels),
            weights.map((w) => w.variable),
          );
        }),
    ),
  );
  let total = 0;
  for (const [name, value] of perLayer) total += finite('fisher', name, value);
  return total;
}

/** Ridge of jacob_cov's eigenvalues (the reference's k). */
export const JACOB_COV_K = 1e-5;

/**
 * jacob_cov = −Σ_i (log(λ_i + k) + 1/(λ_i + k)), λ the eigenvalues of the correlation matrix of
 * the per-sample input gradients J_n = ∂(Σ logits)/∂x_n (Mellor et al. 2020), k = 1e-5.
 */
export function jacobCov(model: tfl.LayersModel, batch: ProxyBatch): number {
  const { data, size } = withoutDropout(model, () => {
    const x = inputTensor(batch);
    try {
      const jacobian = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(logitsOf(model, input)))(x));
      const values = jacobian.dataSync() as Float32Array;
      jacobian.dispose();
      return { data: values, size: values.length / batch.n };
    } finally {
      x.dispose();
    }
  });
  const rows = Array.from({ length: batch.n }, (_, n) => Float64Array.from(data.subarray(n * size, (n + 1) * size)));
  const constant = rows.findIndex((row) => row.every((v) => v === row[0]));
  if (constant >= 0) finite('jacob_cov', `sample ${constant} (its input gradient is constant, so its correlations are undefined)`, NaN);
  const eigenvalues = symmetricEigenvalues(correlationMatrix(rows));
  const score = -eigenvalues.reduce((s, v) => s + Math.log(v + JACOB_COV_K) + 1 / (v + JACOB_COV_K), 0);
  return finite('jacob_cov', 'the correlation matrix of the input gradients', score);
}
