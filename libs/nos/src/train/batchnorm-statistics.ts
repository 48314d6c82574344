/**
 * Recomputing BatchNorm moving statistics: every BatchNorm's moving mean and variance set to the
 * exact average, over some training batches run in training mode, of the per-batch mean and biased
 * variance of its input — PyTorch's `reset_running_stats()` with `momentum=None`.
 *
 * Two users: a one-shot supernet scoring a path (libs/nas recalibrateBatchNorm: the shared
 * BatchNorms' statistics belong to no single path), and diagnostics of a trained model (did its
 * moving statistics, or its weights, cost the accuracy?). The variance is the biased batch
 * variance, the quantity the layers' own moving statistics track (tfjs's convention).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isBatchNorm, withLayerCalls, type LayerCall } from '@fuselab/fuseconv/tfjs';

import { makeBatch } from '../data/batch.js';
import type { ImageDataset } from '../data/dataset.js';
import { NosInputError } from '../errors.js';

/** Per-layer sums of batch moments, written back as their averages. */
export class BatchNormMomentSums {
  private readonly sums = new Map<tfl.layers.Layer, { mean: Float64Array; variance: Float64Array; batches: number }>();

  /** Adds one batch's per-channel mean and biased variance of `layer`'s input. */
  add(layer: tfl.layers.Layer, mean: ArrayLike<number>, variance: ArrayLike<number>): void {
    const sum = this.sums.get(layer) ?? { mean: new Float64Array(mean.length), variance: new Float64Array(mean.length), batches: 0 };
    for (let c = 0; c < mean.length; c++) {
      sum.mean[c]! += mean[c]!;
      sum.variance[c]! += variance[c]!;
    }
    sum.batches++;
    this.sums.set(layer, sum);
  }

  /** Sets every layer seen to the averages of what was added for it. */
  write(): void {
    for (const [layer, sum] of this.sums) {
      const [, , movingMean, movingVariance] = layer.weights;
      if (movingMean === undefined || movingVariance === undefined)
        throw new Error(`${layer.name}: not a BatchNorm layer (no moving statistics)`);
      const average = (a: Float64Array): tf.Tensor1D => tf.tensor1d(Float32Array.from(a, (s) => s / sum.batches));
      const stats = [average(sum.mean), average(sum.variance)];
      movingMean.write(stats[0]!);
      movingVariance.write(stats[1]!);
      tf.dispose(stats);
    }
  }
}

export interface RecomputeOptions {
  /** Images per batch (default 64). */
  batchSize?: number;
  /** How many batches (default: every whole batch of `indices`). */
  batches?: number;
  /** The training images to use, in order (default: the data set's, from the first). */
  indices?: Int32Array | readonly number[];
  normalize?: { mean?: number | number[]; std?: number | number[] };
}

/**
 * Resets the moving statistics of every BatchNorm of `model` to their average over training
 * batches of `data` run through it in training mode (dropout included: its masks only scale what
 * the later layers see, as in training). Weights other than the statistics do not change.
 */
export async function recomputeBatchNormStatistics(
  model: tfl.LayersModel,
  data: ImageDataset,
  options: RecomputeOptions = {},
): Promise<void> {
  const batchSize = options.batchSize ?? 64;
  const indices = options.indices ?? Array.from({ length: data.count }, (_, i) => i);
  const batches = options.batches ?? Math.floor(indices.length / batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new NosInputError('batchSize', `expected a positive integer, got ${batchSize}`);
  if (!Number.isInteger(batches) || batches < 1 || batches * batchSize > indices.length)
    throw new NosInputError('batches', `${batches} batches of ${batchSize} images: the data set gives ${indices.length} images`);
  const channels = (model.inputs[0]!.shape.at(-1) ?? 1) as number;
  const sums = new BatchNormMomentSums();
  const captured: Array<[tfl.layers.Layer, tf.Tensor, tf.Tensor]> = [];
  // Each BatchNorm's own call, wrapped to record the moments of its input.
  const recording =
    (layer: tfl.layers.Layer, original: LayerCall): LayerCall =>
    (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const { mean, variance } = tf.moments(
        x,
        x.shape.slice(0, -1).map((_, axis) => axis),
      );
      captured.push([layer, tf.keep(mean), tf.keep(variance)]);
      return original(inputs, kwargs);
    };
  try {
    await withLayerCalls(model.layers.filter(isBatchNorm), recording, async () => {
      for (let b = 0; b < batches; b++) {
        const batch = makeBatch(data, Array.from(indices.slice(b * batchSize, (b + 1) * batchSize)), { channels, ...options.normalize });
        tf.tidy(() => void model.apply(tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]), { training: true }));
        for (const [layer, mean, variance] of captured.splice(0)) {
          sums.add(layer, await mean.data(), await variance.data());
          tf.dispose([mean, variance]);
        }
      }
    });
  } finally {
    tf.dispose(captured.splice(0).flatMap(([, m, v]) => [m, v]));
  }
  sums.write();
}
