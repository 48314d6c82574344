/**
 * A small tf.layers model (strided 3×3 conv, batch norm, ReLU6, the 1×3 / 3×1 depthwise pair of
 * tensorflow/tfjs#6629, 1×1 conv, dense softmax) trains on wasm as on cpu: the training-mode
 * gradient of every trainable tensor and three Adam steps. wasm-kernels.test.ts checks the
 * convolution kernels one call at a time; here they run together with the element-wise kernels
 * and fused gradients, as in training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from './index.js';
import { gradientErrors, randomValues, relativeError, softmaxModelGradients } from './test-util.js';

beforeAll(async () => {
  await selectBackend('cpu');
  const s = await selectBackend('wasm');
  expect(s.name).toBe('wasm');
}, 60_000);

describe('a tf.layers model trains on wasm like on cpu', () => {
  /** Measured: ≤ 5.8e-7 (every tensor at its own scale). */
  const GRAD_TOL = 2e-6;
  function build(): tfl.LayersModel {
    const input = tfl.input({ shape: [10, 10, 3] });
    let x = tfl.layers
      .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
      .apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    const a = tfl.layers
      .depthwiseConv2d({ kernelSize: [1, 3], strides: 2, padding: 'same', useBias: false })
      .apply(x) as tfl.SymbolicTensor;
    const b = tfl.layers
      .depthwiseConv2d({ kernelSize: [3, 1], strides: 2, padding: 'same', useBias: false })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.concatenate().apply([a, b]) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    return model;
  }

  async function train(backend: string, init: Float32Array[]): Promise<{ losses: number[]; weights: Float32Array[] }> {
    await tf.setBackend(backend);
    const model = build();
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(init[i] as Float32Array, w.shape)));
    const x = tf.tensor4d(randomValues(6 * 10 * 10 * 3, 42), [6, 10, 10, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1, 2], 'int32'), 4);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    tf.dispose([x, y]);
    model.dispose();
    return { losses, weights };
  }

  // Adam's update m/√v hardly depends on the gradient's scale, so equal weights after Adam steps
  // would not reveal a gradient off by a constant factor: the gradients themselves, per tensor.
  it('every trainable tensor has the same gradient, relative to its own scale', async () => {
    await tf.setBackend('cpu');
    const probe = build();
    const init = probe.getWeights().map((w, i) => randomValues(w.size, 300 + i).map((v) => v * 0.5));
    probe.dispose();
    const grads = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = build();
      model.setWeights(model.getWeights().map((w, i) => tf.tensor(init[i] as Float32Array, w.shape)));
      const x = tf.tensor4d(randomValues(6 * 10 * 10 * 3, 42), [6, 10, 10, 3]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1, 2], 'int32'), 4);
      const g = softmaxModelGradients(model, x, y);
      tf.dispose([x, y]);
      model.dispose();
      return g;
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    expect(wasm.map((g) => g.length)).toEqual(cpu.map((g) => g.length));
    gradientErrors(wasm, cpu).forEach((e, i) => expect(e, `weight ${i}`).toBeLessThan(GRAD_TOL));
  }, 60_000);

  it('three Adam steps give the same losses and weights', async () => {
    await tf.setBackend('cpu');
    const probe = build();
    const init = probe.getWeights().map((w, i) => randomValues(w.size, 300 + i).map((v) => v * 0.5));
    probe.dispose();
    const cpu = await train('cpu', init);
    const wasm = await train('wasm', init);
    expect(cpu.losses.every(Number.isFinite)).toBe(true);
    expect(relativeError(wasm.losses, cpu.losses)).toBeLessThan(1e-4);
    cpu.weights.forEach((w, i) => {
      expect(relativeError(wasm.weights[i] ?? [], w), `weight ${i}`).toBeLessThan(1e-4);
    });
    // The steps changed the weights (the comparison is not vacuous).
    expect(relativeError(cpu.weights[0] ?? [], init[0] ?? [])).toBeGreaterThan(1e-3);
  }, 60_000);
});
