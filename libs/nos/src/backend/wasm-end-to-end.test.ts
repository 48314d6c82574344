/**
 * End to end: the benchmark network (bench/tiny-mobilenet.ts: BatchNormActivation, FuseConv2D,
 * depthwise and 1×1 convolutions, fused Adam available) trains on wasm exactly as on cpu. SGD, so
 * that the weights compare gradients directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { buildTinyNet, tinyNetSpec } from '../../bench/tiny-mobilenet.js';
import { selectBackend } from './index.js';
import { randomValues, relativeError } from './test-util.js';

describe('the benchmark network trains on wasm as on cpu', () => {
  for (const operator of ['dw', 'fuse_half'] as const) {
    it(`${operator}: three SGD steps give the same losses and weights`, async () => {
      const runs: Array<{ losses: number[]; weights: Float32Array[] }> = [];
      let init: Float32Array[] | null = null;
      for (const backend of ['cpu', 'wasm'] as const) {
        await selectBackend(backend);
        const model = buildTinyNet(tinyNetSpec(operator));
        model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
        // Deterministic initial kernels (uniform, variance 2/fan-in); BN parameters as initialised.
        init ??= model.weights.map((w, i) => {
          const shape = w.shape as number[];
          const size = shape.reduce((a, b) => a * b, 1);
          if (!/kernel/.test(w.originalName)) return model.getWeights()[i]?.dataSync() as Float32Array;
          const fanIn = size / (shape[shape.length - 1] as number);
          return randomValues(size, 700 + i).map((v) => v * Math.sqrt(6 / fanIn));
        });
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
        if (scale < 1e-6) expect(got.every((v, j) => Math.abs(v - (w[j] as number)) < 1e-6), `weight ${i}`).toBe(true);
        else expect(relativeError(got, w), `weight ${i}`).toBeLessThan(1e-3);
      });
    }, 60_000);
  }
});
