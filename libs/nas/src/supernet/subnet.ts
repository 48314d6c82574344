/**
 * Judging one path of a trained supernet: BatchNorm recalibration, then accuracy on a test set
 * with the inherited weights; or the path as a standalone network (`extractSubnet`) to fine-tune.
 *
 * Recalibration: the moving statistics the supernet gathered while training belong to no single
 * path (shared BatchNorms saw every path's activations), so before a path is scored its BatchNorms
 * get the exact average, over `batches` training batches run in training mode, of the per-batch
 * mean and variance of their inputs — PyTorch's `reset_running_stats()` with `momentum=None`, as
 * single-path one-shot NAS does. The variance is the biased batch variance, the quantity the
 * layers' own moving statistics track (tfjs's convention; over 64·32·32 values per channel it is
 * within 0.002 % of PyTorch's unbiased one).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildModel, type BuiltModel } from '@fuselab/fuseconv/tfjs';
import { BatchNormMomentSums, countCorrect, crossEntropy, makeBatch, mixSeed, Rng, shuffledIndices, type ImageDataset } from '@fuselab/nos';
import { NasInputError } from '../errors.js';
import type { Path, Supernet } from './supernet.js';

export interface Normalize {
  mean?: number | number[];
  std?: number | number[];
}

export interface RecalibrateOptions {
  /** Training batches to average over (default 20). */
  batches?: number;
  batchSize?: number;
  /** Picks the images (a seeded shuffle of the training set; default 0). */
  seed?: number;
  normalize?: Normalize;
}

/** Resets the moving statistics of every BatchNorm on `path` to their average over training batches. */
export async function recalibrateBatchNorm(
  supernet: Supernet,
  path: Path,
  data: ImageDataset,
  options: RecalibrateOptions = {},
): Promise<void> {
  const batches = options.batches ?? 20;
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batches) || batches < 1) throw new NasInputError('batches', `expected a positive integer, got ${batches}`);
  if (batches * batchSize > data.count)
    throw new NasInputError(
      'batches',
      `${batches} batches of ${batchSize} need ${batches * batchSize} images, the data set has ${data.count}`,
    );
  const order = shuffledIndices(data.count, Rng.fromSeed(mixSeed(options.seed ?? 0, 0x7265636c)));
  const sums = new BatchNormMomentSums();
  for (let i = 0; i < batches; i++) {
    const batch = makeBatch(data, order.subarray(i * batchSize, (i + 1) * batchSize), {
      channels: supernet.spec.inputChannels,
      ...options.normalize,
    });
    const moments: [tfl.layers.Layer, tf.Tensor, tf.Tensor][] = [];
    tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
      supernet.forward(x, path, {
        training: true,
        onBatchNorm: (layer, input) => {
          const axes = input.shape.slice(0, -1).map((_, a) => a);
          const { mean, variance } = tf.moments(input, axes);
          moments.push([layer, tf.keep(mean), tf.keep(variance)]);
        },
      });
    });
    for (const [layer, mean, variance] of moments) {
      sums.add(layer, await mean.data(), await variance.data());
      tf.dispose([mean, variance]);
    }
  }
  sums.write();
}

export interface SubnetEvaluation {
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  count: number;
}

/** Accuracy of a path with the supernet's weights, in inference mode (recalibrate first). */
export async function evaluateSubnet(
  supernet: Supernet,
  path: Path,
  test: ImageDataset,
  options: { batchSize?: number; normalize?: Normalize } = {},
): Promise<SubnetEvaluation> {
  const batchSize = options.batchSize ?? 256;
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < test.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, test.count - start) }, (_, i) => start + i);
    const batch = makeBatch(test, indices, { channels: supernet.spec.inputChannels, ...options.normalize });
    const [right, loss] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
      const y = tf.tensor1d(batch.y, 'int32');
      const logits = supernet.forward(x, path);
      // nos's loss and count, summed as its `evaluate` sums them, so inherited and standalone
      // test figures are the same quantities.
      return [countCorrect(logits, y), tf.mul(crossEntropy(logits, y), batch.n)];
    });
    correct += (await right.data())[0]!;
    lossSum += (await loss.data())[0]!;
    tf.dispose([right, loss]);
  }
  return { accuracy: correct / test.count, loss: lossSum / test.count, count: test.count };
}

/**
 * The path as a standalone network: `buildModel` of the path's spec with every weight (BatchNorm
 * statistics included) copied from the supernet, e.g. to fine-tune it with nos's `train`.
 */
export function extractSubnet(supernet: Supernet, path: Path, options: { name?: string } = {}): BuiltModel {
  const built = buildModel(supernet.specOf(path), options.name !== undefined ? { name: options.name } : {});
  const source = supernet.layersOf(path);
  for (const layer of built.model.layers) {
    if (layer.weights.length === 0) continue;
    const from = source.get(layer.name);
    if (from === undefined) throw new Error(`extractSubnet: the supernet has no layer ${layer.name}`);
    const values = from.getWeights().map((w) => w.clone());
    layer.setWeights(values);
    tf.dispose(values);
  }
  return built;
}
