/**
 * Evaluation on a test set, and the small model and abort helpers the loop and the step share.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { makeBatch } from '../data/batch.js';
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

/** Evaluates a model (output 0 = logits) on a data set: mean cross-entropy and accuracy. */
export async function evaluate(
  model: tfl.LayersModel,
  data: ImageDataset,
  options: {
    batchSize?: number;
    normalize?: TrainOptions['normalize'];
    signal?: AbortSignal;
    onBatch?: (done: number, total: number) => void;
  } = {},
): Promise<{ loss: number; accuracy: number }> {
  const { c } = inputShape(model);
  const bs = options.batchSize ?? 256;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += bs) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const idx = Array.from({ length: Math.min(bs, data.count - start) }, (_, i) => start + i);
    const batch = makeBatch(data, idx, { channels: c, mean: options.normalize?.mean, std: options.normalize?.std });
    const [l, k] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
      const y = tf.tensor1d(batch.y, 'int32');
      const logits = outputsOf(model, x, false)[0] as tf.Tensor2D;
      return [tf.mul(crossEntropy(logits, y), batch.n), countCorrect(logits, y)];
    });
    lossSum += (await l!.data())[0]!;
    correct += (await k!.data())[0]!;
    tf.dispose([l!, k!]);
    options.onBatch?.(start + batch.n, data.count);
    await yieldToEventLoop();
  }
  return { loss: lossSum / Math.max(1, data.count), accuracy: correct / Math.max(1, data.count) };
}
