import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork } from '@fuselab/fuseconv';
import { lineariseSpec, synflowOfSpec, synflowScore } from './synflow.js';
import { evaluateCandidate } from './objectives.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('synflow', () => {
  test('2-layer linear net: the closed form 2·R, R = 1ᵀ|W1||W2|1', async () => {
    const W1 = [
      [0.5, -1, 2],
      [-0.25, 3, -0.5],
    ]; // 2 inputs → 3 hidden
    const W2 = [
      [1, -2],
      [0.5, 0.25],
      [-3, 1],
    ]; // 3 hidden → 2 outputs
    const input = tfl.input({ shape: [2] });
    const h = tfl.layers.dense({ units: 3, useBias: false, name: 'l1' }).apply(input) as tfl.SymbolicTensor;
    const y = tfl.layers.dense({ units: 2, useBias: false, name: 'l2' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: y });
    model.getLayer('l1').setWeights([tf.tensor2d(W1)]);
    model.getLayer('l2').setWeights([tf.tensor2d(W2)]);
    // Hand computation: hidden_j = Σ_i |W1_ij|; R = Σ_j hidden_j Σ_k |W2_jk|.
    // ∂R/∂W1_ij = Σ_k |W2_jk| → Σ |W1_ij| ∂R/∂W1_ij = R; likewise for W2 → synflow = 2R.
    const hidden = [0, 1, 2].map((j) => Math.abs(W1[0]![j]!) + Math.abs(W1[1]![j]!));
    const R = hidden.reduce((s, hj, j) => s + hj * (Math.abs(W2[j]![0]!) + Math.abs(W2[j]![1]!)), 0);
    expect(R).toBeCloseTo(0.75 * 3 + 4 * 0.75 + 2.5 * 4, 10); // 15.25
    expect(await synflowScore(model)).toBeCloseTo(2 * R, 4);
    // The model's own (signed) weights are restored afterwards.
    expect(model.getLayer('l1').getWeights()[0]!.arraySync()).toEqual(W1);
  });

  test('with a bias the bias term adds |b|·∂R/∂b', async () => {
    const input = tfl.input({ shape: [3] });
    const y = tfl.layers.dense({ units: 1, useBias: true, name: 'l' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: y });
    model.getLayer('l').setWeights([tf.tensor2d([[1], [-2], [3]]), tf.tensor1d([-4])]);
    // R = |1|+|−2|+|3| + |−4|; each weight's score is |w|·1 → 6 + 4 = 10.
    expect(await synflowScore(model)).toBeCloseTo(10, 5);
  });

  test('network specs: linearised, finite, positive, seeded; FuSe-full scores above baseline', async () => {
    const spec = (variant: 'baseline' | 'fuse_full') =>
      buildNetwork({ network: 'mobilenet_v3_small', variant, inputSize: 32, numClasses: 10, width: 0.25 });
    const a = await synflowOfSpec(spec('baseline'));
    const b = await synflowOfSpec(spec('baseline'));
    const full = await synflowOfSpec(spec('fuse_full'));
    expect(a).toBeGreaterThan(0);
    expect(Number.isFinite(a)).toBe(true);
    expect(b).toBe(a);
    expect(full).toBeGreaterThan(a); // twice the channels into the projection
    const linear = lineariseSpec(spec('baseline'));
    expect(linear.blocks.every((x) => x.activations.depthwise === 'none')).toBe(true);
  }, 60_000);

  test('the synflow objective is the negated score', async () => {
    const operators = buildNetwork({ network: 'mobilenet_v3_small' }).blocks.map(() => 'fuse_half' as const);
    const values = await evaluateCandidate({
      network: 'mobilenet_v3_small',
      array: { rows: 32, cols: 32, hardware: 'fuse' },
      candidate: { operators },
      objectives: ['synflow', 'params'],
    });
    const direct = await synflowOfSpec(
      buildNetwork({ network: 'mobilenet_v3_small', operators, inputSize: 32, numClasses: 10, width: 0.25 }),
    );
    expect(Object.keys(values)).toEqual(['synflow', 'params']);
    expect(values.synflow).toBe(-direct);
  }, 60_000);
});
