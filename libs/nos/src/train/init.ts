/**
 * Seeded (re)initialisation of a model's weights from the project's Rng, for models that were not
 * built with seeded initialisers: kernels get He-normal values (std √(2 / fan-in), fan-in = the
 * product of all but the last dimension, or kh·kw for depthwise kernels), biases, BatchNorm β and
 * moving means 0, BatchNorm γ and moving variances 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../data/rng.js';

export function initializeWeights(model: tfl.LayersModel, seed: number): void {
  const rng = Rng.fromSeed(seed);
  const values = model.weights.map((w) => {
    const name = w.originalName;
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (/(gamma|moving_variance)$/.test(name)) data.fill(1);
    else if (shape.length >= 2 && !/(beta|bias|moving_mean)$/.test(name)) {
      const depthwise = /depthwise/.test(name) || (shape.length === 4 && shape[3] === 1 && /kernel_[hv]$/.test(name));
      const fanIn = depthwise ? shape[0]! * shape[1]! : shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const std = Math.sqrt(2 / Math.max(1, fanIn));
      for (let i = 0; i < n; i++) data[i] = std * rng.normal();
    }
    return tf.tensor(data, shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}
