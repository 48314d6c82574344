/**
 * Test accuracy of trained checkpoints as stored, and again after their BatchNorm moving statistics
 * are recomputed in one thread (libs/nos `recomputeBatchNormStatistics`): the exact average, over
 * the training images in batches of 64 (in order, training mode), of every BatchNorm input's
 * per-batch mean and biased variance — PyTorch's `reset_running_stats()` with `momentum=None`.
 * A diagnostic for `--replicas` (libs/nos README,
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
import { buildNetwork, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import { DEFAULT_INIT, evaluate, loadModelWeights, modelFromSpec, recomputeBatchNormStatistics, selectBackend } from '@fuselab/nos';
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

console.log(`| checkpoint | test accuracy as stored (%) | after recomputing BatchNorm statistics (%) |`);
console.log('|---|---:|---:|');
for (const file of files) {
  const checkpoint = readCheckpointFile(file);
  const model = modelFromSpec(spec, { seed: checkpoint.seed, init: DEFAULT_INIT }).model;
  loadModelWeights(model, checkpoint.weights);
  const stored = await evaluate(model, test);
  // Every whole batch of 64 of the training images, in order (62 batches of the first 4,000).
  await recomputeBatchNormStatistics(model, train, { batchSize: 64 });
  const recomputed = await evaluate(model, test);
  console.log(`| ${file} | ${(100 * stored.accuracy).toFixed(2)} | ${(100 * recomputed.accuracy).toFixed(2)} |`);
  model.dispose();
}
