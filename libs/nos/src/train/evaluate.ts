/**
 * Evaluation on a test set, and the small model and abort helpers the loop and the step share.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { makeBatch, type Batch } from '../data/batch.js';
import type { ImageDataset } from '../data/dataset.js';
import { countCorrect, crossEntropy } from './losses.js';
import type { TrainOptions } from './types.js';

/** The tfjs backend name as the project reports it. */
export function backendName(): string {
  const b = tf.getBackend();
  return b === 'tensorflow' ? 'tfjs-node' : b;
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('training aborted', 'AbortError');
}

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export function outputsOf(model: tfl.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

export function inputShape(model: tfl.LayersModel): { h: number; w: number; c: number } {
  const s = model.inputs[0]?.shape;
  if (s === undefined || s.length !== 4) throw new RangeError('the model must take one NHWC image input');
  return { h: s[1] ?? -1, w: s[2] ?? -1, c: s[3] ?? -1 };
}

/** One batch in inference mode: the cross-entropy summed over its images (float32), and how many are right. */
export async function evaluateBatch(model: tfl.LayersModel, batch: Batch): Promise<{ loss: number; correct: number }> {
  const [l, k] = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
    const y = tf.tensor1d(batch.y, 'int32');
    const logits = outputsOf(model, x, false)[0] as tf.Tensor2D;
    return [tf.mul(crossEntropy(logits, y), batch.n), countCorrect(logits, y)];
  });
  const loss = (await l!.data())[0]!;
  const correct = (await k!.data())[0]!;
  tf.dispose([l!, k!]);
  return { loss, correct };
}

/** The test batches of an evaluation: start index and size of each. */
export function evaluationBatches(count: number, batchSize: number): Array<{ start: number; n: number }> {
  const out = [];
  for (let start = 0; start < count; start += batchSize) out.push({ start, n: Math.min(batchSize, count - start) });
  return out;
}

export interface EvaluateOptions {
  batchSize?: number;
  normalize?: TrainOptions['normalize'];
  signal?: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

/** Evaluates a model (output 0 = logits) on a data set: mean cross-entropy and accuracy. */
export async function evaluate(
  model: tfl.LayersModel,
  data: ImageDataset,
  options: EvaluateOptions = {},
): Promise<{ loss: number; accuracy: number }> {
  const results = [];
  for (const { start, n } of evaluationBatches(data.count, options.batchSize ?? 256)) {
    if (options.signal?.aborted) throw abortError(options.signal);
    results.push(await evaluateBatch(model, testBatch(model, data, start, n, options)));
    options.onBatch?.(start + n, data.count);
    await yieldToEventLoop();
  }
  return summarizeEvaluation(results, data.count);
}

/** Images start … start + n − 1 of a test set, as the model takes them. */
export function testBatch(
  model: tfl.LayersModel,
  data: ImageDataset,
  start: number,
  n: number,
  options: Pick<EvaluateOptions, 'normalize'>,
): Batch {
  const idx = Array.from({ length: n }, (_, i) => start + i);
  return makeBatch(data, idx, { channels: inputShape(model).c, mean: options.normalize?.mean, std: options.normalize?.std });
}

/** Mean loss and accuracy from the batches' sums, added in batch order (so any split of the work gives the same numbers). */
export function summarizeEvaluation(
  results: ReadonlyArray<{ loss: number; correct: number }>,
  count: number,
): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (const r of results) {
    lossSum += r.loss;
    correct += r.correct;
  }
  return { loss: lossSum / Math.max(1, count), accuracy: correct / Math.max(1, count) };
}
