/**
 * The `cifar` stem in tfjs: every network builds at 32×32, its last block's tap is 4×4 (not 1×1),
 * and one SGD step on a batch lowers the loss on that batch.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../build.js';
import { modelStats } from '../counting.js';
import { NETWORKS } from '../networks/index.js';
import { buildModel, countTrainableParams } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(NETWORKS)('%s with the cifar stem at 32×32', (network) => {
  it('builds with parameter parity, ends at 4×4 and trains one step', () => {
    const shape = { network, variant: 'fuse_half', width: 0.25, inputSize: 32, numClasses: 10 } as const;
    const spec = buildNetwork({ ...shape, stem: 'cifar' });
    const built = buildModel(spec, { taps: 'block', seed: 7 });
    const { model } = built;
    const stats = modelStats(spec);
    expect(countTrainableParams(model)).toBe(stats.params - stats.unusedParams);
    expect(built.taps.at(-1)?.shape.slice(0, 2)).toEqual([4, 4]);
    const imagenet = buildModel(buildNetwork({ ...shape, stem: 'imagenet' }), { taps: 'block' });
    expect(imagenet.taps.at(-1)?.shape.slice(0, 2)).toEqual([1, 1]);
    imagenet.model.dispose();

    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3);
    const labels = tf.oneHot(tf.tensor1d([3, 7], 'int32'), 10);
    const loss = () => tf.losses.softmaxCrossEntropy(labels, (model.apply(x, { training: true }) as tf.Tensor[])[0]!) as tf.Scalar;
    const optimizer = tf.train.sgd(0.05);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(loss, weights);
    const before = value.dataSync()[0]!;
    expect(Number.isFinite(before)).toBe(true);
    optimizer.applyGradients(grads);
    const after = loss().dataSync()[0]!;
    expect(after).toBeLessThan(before);
    model.dispose();
  }, 300_000); // the cpu backend on a shared machine: tens of seconds per network
});
