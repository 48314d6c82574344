/**
 * Test accuracy of trained checkpoints as stored, and again after their BatchNorm moving statistics
 * are recomputed in one thread: the exact average, over the training images in batches of 64 (in
 * order, training mode), of every BatchNorm input's per-batch mean and biased variance — PyTorch's
 * `reset_running_stats()` with `momentum=None`. A diagnostic for `--replicas` (libs/nos README,
 * "What ghost batch norm costs"): if a replicas run's checkpoint gains much more from this than a
 * one-thread run's, its moving statistics, not its weights, cost the accuracy.
 *
 *   node --import tsx bench/recalibrated-accuracy.ts --data cifar10-jpeg.tar.gz [--limit 4000]
 *        [--network mobilenet_v2] [--variant baseline] [--width 0.25] CHECKPOINT...
 *
 * The checkpoints are `fuselab train --dataset folder --data ARCHIVE --limit N` runs of that network
 * (CIFAR stem, 32 px); the first N training and test images are used, as the runs used them.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildNetwork, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import { DEFAULT_INIT, evaluate, loadModelWeights, makeBatch, modelFromSpec, selectBackend } from '@fuselab/nos';
import { loadTrainingData, readCheckpointFile } from '../src/train/training.js';

const { values: a, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    limit: { type: 'string', default: '4000' },
    network: { type: 'string', default: 'mobilenet_v2' },
    variant: { type: 'string', default: 'baseline' },
    width: { type: 'string', default: '0.25' },
  },
});
if (!a.data) throw new Error('--data: the image-folder archive the checkpoints were trained on is required');
if (files.length === 0) throw new Error('name at least one checkpoint file');
await selectBackend('auto');
// `limit` takes the first N training and test images, as `fuselab train --limit` did.
const { train, test } = await loadTrainingData({ dataset: 'folder', dataPath: a.data, limit: Number(a.limit), seed: 0 });
const spec = buildNetwork({
  network: a.network as NetworkName,
  variant: a.variant as VariantName,
  width: Number(a.width),
  inputSize: 32,
  numClasses: 10,
  stem: 'cifar',
});

/** The model's BatchNorm layers (tfjs-layers' own and fuseconv's fused BatchNorm + activation). */
const batchNorms = (model: tfl.LayersModel) =>
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization' || l.getClassName() === 'BatchNormActivation');

async function recalibrate(model: tfl.LayersModel): Promise<void> {
  const layers = batchNorms(model);
  const sums = layers.map(() => ({ mean: undefined as Float64Array | undefined, variance: undefined as Float64Array | undefined }));
  const captured: Array<[number, tf.Tensor, tf.Tensor]> = [];
  const originals = layers.map((layer, i) => {
    const call = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      captured.push([i, tf.keep(mean), tf.keep(variance)]);
      return call(inputs, kwargs);
    };
    return call;
  });
  const batches = Math.floor(train.count / 64);
  for (let b = 0; b < batches; b++) {
    const batch = makeBatch(
      train,
      Array.from({ length: 64 }, (_, i) => b * 64 + i),
      { channels: spec.inputChannels },
    );
    tf.tidy(() => void model.apply(tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]), { training: true }));
    for (const [i, mean, variance] of captured.splice(0)) {
      const [m, v] = [await mean.data(), await variance.data()];
      tf.dispose([mean, variance]);
      const sum = sums[i]!;
      sum.mean ??= new Float64Array(m.length);
      sum.variance ??= new Float64Array(m.length);
      for (let c = 0; c < m.length; c++) {
        sum.mean[c]! += m[c]!;
        sum.variance[c]! += v[c]!;
      }
    }
  }
  layers.forEach((layer, i) => {
    layer.call = originals[i]!;
    const [, , movingMean, movingVariance] = layer.weights;
    const average = (s: Float64Array) => tf.tensor1d(Float32Array.from(s, (x) => x / batches));
    const stats = [average(sums[i]!.mean!), average(sums[i]!.variance!)];
    movingMean!.write(stats[0]!);
    movingVariance!.write(stats[1]!);
    tf.dispose(stats);
  });
}

console.log(`| checkpoint | test accuracy as stored (%) | after recomputing BatchNorm statistics (%) |`);
console.log('|---|---:|---:|');
for (const file of files) {
  const checkpoint = readCheckpointFile(file);
  const model = modelFromSpec(spec, { seed: checkpoint.seed, init: DEFAULT_INIT }).model;
  loadModelWeights(model, checkpoint.weights);
  const stored = await evaluate(model, test);
  await recalibrate(model);
  const recomputed = await evaluate(model, test);
  console.log(`| ${file} | ${(100 * stored.accuracy).toFixed(2)} | ${(100 * recomputed.accuracy).toFixed(2)} |`);
  model.dispose();
}
