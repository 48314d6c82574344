/**
 * Parity of the wasm kernels of the fused batch norm + activation (SIMD for channel counts that
 * are multiples of 4, JavaScript otherwise) with the cpu backend, and with tfjs's unfused ops.
 */
import {
  BATCH_NORM_ACT_TRAIN,
  BATCH_NORM_MOVING,
  BatchNormActivation,
  batchNormActivationTrain,
  type FusedActivation,
} from '@fuselab/fuseconv/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from './index.js';
import { gradientErrors, randomInt, randomValues, relativeError, softmaxModelGradients } from './test-util.js';

beforeAll(async () => {
  await selectBackend('cpu');
  const s = await selectBackend('wasm');
  expect(s.name).toBe('wasm');
}, 60_000);

interface Case {
  shape: number[];
  activation: FusedActivation;
  seed: number;
}

/** y, mean, variance, dx, dγ, dβ of sum(y · r) on the active backend (fused op or tfjs ops). */
function evaluate(c: Case, fused: boolean): Float32Array[] {
  const C = c.shape[c.shape.length - 1] as number;
  const size = c.shape.reduce((a, b) => a * b, 1);
  const out: Float32Array[] = [];
  tf.tidy(() => {
    // Offset and scale so that the ReLU6 clip and the mean shift both matter.
    const x = tf.tensor(
      randomValues(size, c.seed).map((v) => 3 * v + 1),
      c.shape,
    );
    const g = tf.tensor1d(randomValues(C, c.seed + 1).map((v) => 2 * v + 1));
    const b = tf.tensor1d(randomValues(C, c.seed + 2).map((v) => 2 * v));
    const r = tf.tensor(randomValues(size, c.seed + 3), c.shape);
    const eps = 1e-5;
    const f = (xv: tf.Tensor, gv: tf.Tensor, bv: tf.Tensor): tf.Tensor[] => {
      if (fused) return batchNormActivationTrain(xv, gv as tf.Tensor1D, bv as tf.Tensor1D, eps, c.activation);
      const { mean, variance } = tf.moments(xv, c.shape.map((_, i) => i).slice(0, -1));
      let y = tf.batchNorm(xv, mean, variance, bv as tf.Tensor1D, gv as tf.Tensor1D, eps);
      if (c.activation === 'relu') y = tf.relu(y);
      if (c.activation === 'relu6') y = tf.clipByValue(tf.relu(y), 0, 6);
      return [y, mean, variance];
    };
    const [y, m, v] = f(x, g, b) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const grads = tf.grads((xv: tf.Tensor, gv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(f(xv, gv, bv)[0] as tf.Tensor, r)))([x, g, b]);
    for (const t of [y, m, v, ...grads]) out.push(t.dataSync() as Float32Array);
  });
  return out;
}

function cases(): Case[] {
  const out: Case[] = [];
  const acts: FusedActivation[] = ['linear', 'relu', 'relu6'];
  let seed = 100;
  // Multiples of 4 (SIMD), others (JavaScript); rows below and above the 32-row block size.
  for (const C of [4, 8, 24, 64, 3, 6, 13]) {
    for (const act of acts) {
      seed += 11;
      out.push({ shape: [randomInt(seed, 1, 4), randomInt(seed + 1, 3, 9), randomInt(seed + 2, 3, 9), C], activation: act, seed });
    }
  }
  out.push({ shape: [37, 16], activation: 'relu6', seed: 901 });
  out.push({ shape: [5, 12], activation: 'relu', seed: 902 });
  out.push({ shape: [8, 16, 16, 32], activation: 'relu6', seed: 903 });
  return out;
}

const NAMES = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];

describe('fused batch norm + activation on wasm matches cpu', () => {
  it.each(cases().map((c) => [`${c.activation} [${c.shape.join(',')}]`, c] as const))('%s', async (_n, c) => {
    expect(tf.getKernel(BATCH_NORM_ACT_TRAIN, 'wasm')).toBeDefined();
    await tf.setBackend('cpu');
    const ref = evaluate(c, false);
    const cpuFused = evaluate(c, true);
    await tf.setBackend('wasm');
    const wasm = evaluate(c, true);
    const rows = c.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    // Few rows per channel make dx a difference of nearly equal terms (ill-conditioned in float32).
    const tol = rows < 8 ? 1e-3 : 5e-5;
    ref.forEach((r, i) => {
      expect(relativeError(wasm[i] ?? [], r), `${NAMES[i]} wasm vs tfjs ops`).toBeLessThan(tol);
      expect(relativeError(wasm[i] ?? [], cpuFused[i] ?? []), `${NAMES[i]} wasm vs cpu fused`).toBeLessThan(tol);
    });
  });
});

describe('the moving-statistics kernel on wasm', () => {
  it("equals the wasm backend's own sub, mul, sub to the bit", async () => {
    await tf.setBackend('wasm');
    expect(tf.getKernel(BATCH_NORM_MOVING, 'wasm')).toBeDefined();
    // Values over twelve orders of magnitude, so that each of the three roundings matters.
    const values = (seed: number) => randomValues(300, seed).map((v, i) => v * 10 ** ((i % 13) - 6));
    for (const decay of [1 - 0.9, 1 - 0.99, 0.3]) {
      tf.tidy(() => {
        const moving = tf.tensor1d(values(1));
        const batch = tf.tensor1d(values(2));
        const expected = tf.sub(moving, tf.mul(tf.sub(moving, batch), decay));
        const [got] = tf
          .engine()
          .runKernel(
            BATCH_NORM_MOVING,
            { movingMean: moving, movingVariance: moving, mean: batch, variance: batch },
            { decay },
          ) as unknown as tf.Tensor[];
        expect(Array.from(got!.dataSync()), `decay ${decay}`).toEqual(Array.from(expected.dataSync()));
      });
    }
  });
});

describe('a model with BatchNormActivation trains on wasm like the unfused layers on cpu', () => {
  /** Measured: ≤ 2.6e-6 (each tensor at its own scale or, near zero, against the floor). */
  const GRAD_TOL = 1e-5;
  function build(fused: boolean): tfl.LayersModel {
    type ST = tfl.SymbolicTensor;
    const input = tfl.input({ shape: [10, 10, 3] });
    let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'c1' }).apply(input) as ST;
    const bn = (y: ST, name: string, act: FusedActivation): ST => {
      if (fused) return new BatchNormActivation({ name, activation: act, epsilon: 1e-5, momentum: 0.9 }).apply(y) as ST;
      y = tfl.layers.batchNormalization({ name, epsilon: 1e-5, momentum: 0.9 }).apply(y) as ST;
      return act === 'relu6' ? (tfl.layers.reLU({ maxValue: 6 }).apply(y) as ST) : y;
    };
    x = bn(x, 'bn1', 'relu6');
    x = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'dw' }).apply(x) as ST;
    x = bn(x, 'bn2', 'relu6');
    x = tfl.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false, name: 'c2' }).apply(x) as ST;
    x = bn(x, 'bn3', 'linear');
    x = tfl.layers.globalAveragePooling2d({}).apply(x) as ST;
    const out = tfl.layers.dense({ units: 4, activation: 'softmax', name: 'fc' }).apply(x) as ST;
    const model = tfl.model({ inputs: input, outputs: out });
    // SGD: weight differences are gradient differences (Adam's normalisation would amplify the
    // float32 noise of near-zero gradients).
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    return model;
  }

  async function train(backend: string, fused: boolean, init: Float32Array[]): Promise<{ losses: number[]; weights: Float32Array[] }> {
    await tf.setBackend(backend);
    const model = build(fused);
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

  it('every trainable tensor has the same gradient, relative to its own scale', async () => {
    await tf.setBackend('cpu');
    const probe = build(false);
    const init = probe.trainableWeights.map((w, i) =>
      randomValues(
        w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
        500 + i,
      ).map((a) => a * 0.5),
    );
    probe.dispose();
    const grads = async (backend: string, fused: boolean): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = build(fused);
      model.trainableWeights.forEach((w, i) => (w.read() as tf.Variable).assign(tf.tensor(init[i] as Float32Array, w.shape as number[])));
      const x = tf.tensor4d(randomValues(6 * 10 * 10 * 3, 42), [6, 10, 10, 3]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1, 2], 'int32'), 4);
      const g = softmaxModelGradients(model, x, y);
      tf.dispose([x, y]);
      model.dispose();
      return g;
    };
    const cpu = await grads('cpu', false);
    const wasm = await grads('wasm', true);
    expect(wasm.map((g) => g.length)).toEqual(cpu.map((g) => g.length));
    gradientErrors(wasm, cpu).forEach((e, i) => expect(e, `weight ${i}`).toBeLessThan(GRAD_TOL));
  }, 60_000);

  it('three SGD steps: same losses, weights and moving statistics', async () => {
    await tf.setBackend('cpu');
    const probe = build(false);
    const init = probe.weights.map((w, i) => {
      const v = randomValues(
        w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
        400 + i,
      ).map((a) => a * 0.5);
      return w.originalName.includes('moving_variance') ? v.map((a) => 1 + Math.abs(a)) : v;
    });
    probe.dispose();
    const cpu = await train('cpu', false, init);
    const wasm = await train('wasm', true, init);
    expect(relativeError(wasm.losses, cpu.losses)).toBeLessThan(1e-4);
    cpu.weights.forEach((w, i) => expect(relativeError(wasm.weights[i] ?? [], w), `weight ${i}`).toBeLessThan(1e-4));
  }, 60_000);
});
