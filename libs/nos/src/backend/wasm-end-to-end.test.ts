/**
 * End to end: the benchmark network (bench/tiny-mobilenet.ts: BatchNormActivation, FuseConv2D,
 * depthwise and 1×1 convolutions, fused Adam available) trains on wasm exactly as on cpu: the
 * training-mode gradient of every trainable tensor, each relative to its own scale (so a tensor
 * that moves little in a few steps is judged as strictly as one that moves much), and three SGD
 * steps. This network's 'same' convolutions and depthwise layers are outside the float64
 * reference (testing/float64-reference.ts); wasm-model-gradients.test.ts compares a spec-built FuSe
 * MobileNetV2 with it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';

import { buildTinyNet, tinyNetSpec } from '../../bench/tiny-mobilenet.js';
import { selectBackend } from './index.js';
import { gradientErrors, randomValues, relativeError, softmaxModelGradients } from './test-util.js';

/**
 * Measured (both operators): ≤ 2.1e-6 for gradients judged at their own scale; ≤ 4.9e-5 for the
 * near-zero ones judged against the floor (BN γ before ReLU6 → depthwise/FuSe → BN, ~1e-4).
 */
const GRAD_TOL = 2e-4;

/** Deterministic initial kernels (uniform, variance 2/fan-in); BN parameters as initialised. */
function initialWeights(model: tfl.LayersModel): Float32Array[] {
  return model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    if (!/kernel/.test(w.originalName)) return model.getWeights()[i]?.dataSync() as Float32Array;
    const fanIn = size / (shape[shape.length - 1] as number);
    return randomValues(size, 700 + i).map((v) => v * Math.sqrt(6 / fanIn));
  });
}

/** Training-mode gradients per trainable tensor, named `index originalName` (layer names are numbered per model). */
async function gradients(backend: 'cpu' | 'wasm', operator: 'dw' | 'fuse_half'): Promise<{ names: string[]; grads: Float32Array[] }> {
  await selectBackend(backend);
  const model = buildTinyNet(tinyNetSpec(operator));
  const init = initialWeights(model);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(init[i] as Float32Array, w.shape)));
  const x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([1, 7, 3, 0], 'int32'), 10);
  const grads = softmaxModelGradients(model, x, y);
  const names = model.trainableWeights.map((w, i) => `${i} ${w.originalName}`);
  tf.dispose([x, y]);
  model.dispose();
  return { names, grads };
}

describe('the benchmark network has the same gradients on wasm as on cpu', () => {
  for (const operator of ['dw', 'fuse_half'] as const) {
    it(`${operator}: every trainable tensor's gradient, relative to its own scale`, async () => {
      const cpu = await gradients('cpu', operator);
      const wasm = await gradients('wasm', operator);
      expect(wasm.names.map((n) => n.replace(/\d+\//, '/'))).toEqual(cpu.names.map((n) => n.replace(/\d+\//, '/')));
      // Gradients that vanish in exact arithmetic (β of a linear BN feeding conv + BN, whose
      // per-channel shift the next BN removes) hold only round-off: gradientErrors judges them
      // against 1e-3 of the model's largest gradient instead of their own scale.
      gradientErrors(wasm.grads, cpu.grads).forEach((e, i) => expect(e, cpu.names[i]).toBeLessThan(GRAD_TOL));
    }, 180_000);
  }
});

describe('the benchmark network trains on wasm as on cpu', () => {
  for (const operator of ['dw', 'fuse_half'] as const) {
    it(`${operator}: three SGD steps give the same losses and weights`, async () => {
      const runs: Array<{ losses: number[]; weights: Float32Array[] }> = [];
      let init: Float32Array[] | null = null;
      for (const backend of ['cpu', 'wasm'] as const) {
        await selectBackend(backend);
        const model = buildTinyNet(tinyNetSpec(operator));
        model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
        init ??= initialWeights(model);
        model.setWeights(model.getWeights().map((w, i) => tf.tensor((init as Float32Array[])[i] as Float32Array, w.shape)));
        const x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 5);
        const y = tf.oneHot(tf.tensor1d([1, 7, 3, 0], 'int32'), 10);
        const losses: number[] = [];
        for (let i = 0; i < 3; i++) losses.push((await model.trainOnBatch(x, y)) as number);
        runs.push({ losses, weights: model.getWeights().map((w) => w.dataSync() as Float32Array) });
        tf.dispose([x, y]);
        model.dispose();
      }
      const [cpu, wasm] = runs as [(typeof runs)[0], (typeof runs)[0]];
      expect(cpu.losses[2]).toBeLessThan(cpu.losses[0] as number);
      expect(relativeError(wasm.losses, cpu.losses)).toBeLessThan(1e-4);
      cpu.weights.forEach((w, i) => {
        const got = wasm.weights[i] ?? new Float32Array();
        const scale = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        // The β of a linear BN feeding conv + BN gets an exactly-zero gradient in exact arithmetic
        // (the next BN removes any per-channel shift), so it holds only round-off (~1e-10):
        // compare such weights absolutely.
        if (scale < 1e-6)
          expect(
            got.every((v, j) => Math.abs(v - (w[j] as number)) < 1e-6),
            `weight ${i}`,
          ).toBe(true);
        else expect(relativeError(got, w), `weight ${i}`).toBeLessThan(1e-3);
      });
    }, 180_000);
  }
});
