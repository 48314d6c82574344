import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork } from '@fuselab/fuseconv';
import { isBatchNorm } from '@fuselab/fuseconv/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { makeBatch } from '../data/batch.js';
import { syntheticDataset } from '../data/synthetic.js';
import { NosInputError } from '../errors.js';
import { recomputeBatchNormStatistics } from './batchnorm-statistics.js';
import { modelFromSpec } from './from-spec.js';

vi.setConfig({ testTimeout: 120_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

const data = syntheticDataset({ count: 40, size: 4, numClasses: 3, channels: 2, seed: 5 });
const rgb = syntheticDataset({ count: 16, size: 4, numClasses: 3, channels: 3, seed: 6 });
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('recomputeBatchNormStatistics', () => {
  it('sets a BatchNorm on the input to the average of its batches’ per-channel mean and biased variance', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const bn = tfl.layers.batchNormalization({ name: 'bn_in' });
    const dense = tfl.layers.dense({ units: 3 });
    const out = dense.apply(tfl.layers.flatten().apply(bn.apply(input) as tfl.SymbolicTensor)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const indices = [7, 3, 21, 30, 11, 0, 38, 19, 25]; // 2 whole batches of 4; the ninth image unused
    const before = { bn: bn.getWeights().map(values), dense: dense.getWeights().map(values) };
    await recomputeBatchNormStatistics(model, data, { batchSize: 4, indices });

    // Expected, by hand: the images as the model sees them, per batch and channel.
    const expected = { mean: [0, 0], variance: [0, 0] };
    for (const b of [0, 1]) {
      const x = makeBatch(data, indices.slice(b * 4, b * 4 + 4)).x;
      for (let c = 0; c < 2; c++) {
        const v: number[] = [];
        for (let i = c; i < x.length; i += 2) v.push(x[i]!);
        const mean = v.reduce((s, a) => s + a, 0) / v.length;
        expected.mean[c]! += mean / 2;
        expected.variance[c]! += v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length / 2;
      }
    }
    const [gamma, beta, movingMean, movingVariance] = bn.getWeights().map(values);
    movingMean!.forEach((m, c) => expect(m).toBeCloseTo(expected.mean[c]!, 5));
    movingVariance!.forEach((v, c) => expect(v).toBeCloseTo(expected.variance[c]!, 5));
    // Nothing else moved: gamma, beta, the dense layer.
    expect([gamma, beta]).toEqual(before.bn.slice(0, 2));
    expect(dense.getWeights().map(values)).toEqual(before.dense);
    // The layer's own call is back: a later training-mode pass records nothing.
    expect(Object.prototype.hasOwnProperty.call(bn, 'call')).toBe(false);
  });

  it('makes a spec network’s inference-mode BatchNorms (fuseconv’s fused ones too) normalise one batch as training mode does', async () => {
    const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', width: 0.25, inputSize: 4, numClasses: 3, stem: 'cifar' });
    const model = modelFromSpec(spec, { seed: 2 }).model;
    const norms = model.layers.filter(isBatchNorm);
    expect(new Set(norms.map((l) => l.getClassName()))).toContain('BatchNormActivation');
    // With one batch, the moving statistics are that batch's: in inference mode every BatchNorm
    // then gives what training mode gives on it (up to float32 rounding), the deepest one included.
    const indices = Array.from({ length: 16 }, (_, i) => i);
    await recomputeBatchNormStatistics(model, rgb, { batchSize: 16, indices });
    const last = norms.at(-1)!;
    const upToLast = tfl.model({ inputs: model.inputs, outputs: last.output as tfl.SymbolicTensor });
    const batch = makeBatch(rgb, indices);
    const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
    const training = values(upToLast.apply(x, { training: true }) as tf.Tensor);
    const inference = values(upToLast.apply(x, { training: false }) as tf.Tensor);
    const scale = Math.max(...training.map(Math.abs));
    expect(Math.max(...training.map((t, i) => Math.abs(t - inference[i]!)))).toBeLessThan(1e-3 * scale);
  });

  it('refuses more batches than the images give, naming the option', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [4, 4, 2] })] });
    await expect(recomputeBatchNormStatistics(model, data, { batchSize: 16, batches: 3 })).rejects.toThrow(NosInputError);
    await expect(recomputeBatchNormStatistics(model, data, { batchSize: 16, batches: 3 })).rejects.toThrow(
      /3 batches of 16 images: the data set gives 40 images/,
    );
  });
});
