/**
 * Single-path one-shot training (Guo et al., "Single Path One-Shot NAS", 2020): every step draws
 * one path uniformly — each block's operator independently and uniformly from the supernet's — and
 * takes an ordinary SGD step on that network alone: forward, cross-entropy, gradients of the
 * path's variables, L2 decay on its kernels, the optimizer's update. Branches off the path get no
 * gradient and keep their momentum untouched (as PyTorch skips parameters whose gradient is None).
 *
 * The recipe's pieces are nos's (batches, augmentation, learning-rate schedules, optimizers,
 * losses), with its data order: the same seed draws the same batches and the same paths.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BlockOperator } from '@fuselab/fuseconv';
import {
  countCorrect,
  crossEntropy,
  learningRateAt,
  makeBatch,
  mixSeed,
  Rng,
  shuffledIndices,
  type AugmentOptions,
  type ImageDataset,
  type LrSchedule,
} from '@fuselab/nos';
import { NasInputError } from '../errors.js';
import type { Path, Supernet } from './supernet.js';

export interface SupernetTrainOptions {
  train: ImageDataset;
  epochs: number;
  /** Default 64; each epoch runs ⌊count / batchSize⌋ steps. */
  batchSize?: number;
  learningRate: number;
  /** Default cosine to 0. */
  schedule?: LrSchedule;
  /** SGD momentum (default 0.9; 0 is plain SGD). */
  momentum?: number;
  nesterov?: boolean;
  /** L2 decay on kernels (rank ≥ 2), default 0. */
  weightDecay?: number;
  labelSmoothing?: number;
  augment?: AugmentOptions;
  normalize?: { mean?: number | number[]; std?: number | number[] };
  /** Seeds the data order, the augmentation and the paths drawn. */
  seed: number;
  signal?: AbortSignal;
  onProgress?: (event: SupernetTrainProgress) => void;
  /**
   * After every epoch, awaited: where training stands, to checkpoint (with `encodeSupernet(net,
   * state)`). Its tensors are the optimizer's live buffers, valid during the call only.
   */
  onEpochEnd?: (state: SupernetTrainState) => void | Promise<void>;
  /**
   * Continue a run from the state an `onEpochEnd` gave (the supernet holding that epoch's weights):
   * the same options then give the same result as the run that was never interrupted, since the
   * data order, augmentation, paths and dropout are all drawn from (seed, epoch or step).
   */
  resumeFrom?: SupernetTrainState;
}

/** Where a supernet training stands after an epoch: what `resumeFrom` continues from. */
export interface SupernetTrainState {
  /** Epochs finished. */
  epoch: number;
  history: SupernetTrainResult['epochs'];
  operatorCounts: Partial<Record<BlockOperator, number>>;
  /** SGD momentum buffers by `Supernet.weights()` key; variables no step has updated yet have none. */
  momentum: tf.NamedTensorMap;
}

export type SupernetTrainProgress =
  | { type: 'step'; epoch: number; step: number; totalSteps: number; loss: number; batchAccuracy: number; learningRate: number; path: Path }
  | { type: 'epoch'; epoch: number; trainLoss: number; trainAccuracy: number; seconds: number };

export interface SupernetTrainResult {
  steps: number;
  /** This run's training time (a resumed run: since it resumed). */
  seconds: number;
  epochs: { epoch: number; trainLoss: number; trainAccuracy: number }[];
  /** How often each operator was drawn, over all blocks and steps. */
  operatorCounts: Partial<Record<BlockOperator, number>>;
}

const PATH_SALT = 0x70617468;
const ORDER_SALT = 0x73757065;

/** The path drawn at a global step: each block's operator uniformly from `operators`. */
export function samplePath(operators: readonly BlockOperator[], blocks: number, seed: number, step: number): BlockOperator[] {
  const rng = Rng.fromSeed(mixSeed(seed, step, PATH_SALT));
  return Array.from({ length: blocks }, () => operators[rng.int(operators.length)]!);
}

function checkOptions(o: SupernetTrainOptions): { batchSize: number; stepsPerEpoch: number } {
  const batchSize = o.batchSize ?? 64;
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new NasInputError('epochs', `expected a positive integer, got ${o.epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new NasInputError('batchSize', `expected a positive integer, got ${batchSize}`);
  if (!(Number.isFinite(o.learningRate) && o.learningRate > 0))
    throw new NasInputError('learningRate', `expected a positive number, got ${o.learningRate}`);
  if (!Number.isSafeInteger(o.seed)) throw new NasInputError('seed', `expected an integer, got ${o.seed}`);
  const stepsPerEpoch = Math.floor(o.train.count / batchSize);
  if (stepsPerEpoch < 1) throw new NasInputError('batchSize', `${batchSize} is more than the ${o.train.count} training images`);
  return { batchSize, stepsPerEpoch };
}

/**
 * SGD with momentum whose buffers belong to variables, not to positions: tfjs's optimizers keep
 * their state by the index of a variable in each call's gradient list, which only works when every
 * step updates the same variables — here every step updates another path. Same update as tfjs's
 * `momentum` optimizer and PyTorch's SGD: b ← μ·b + g (b starts at g), w ← w − lr·b (Nesterov:
 * w ← w − lr·(g + μ·b)), with L2 decay g ← g + λ·w on kernels.
 */
class PathSgd {
  private readonly buffers = new Map<tf.Variable, tf.Variable>();
  constructor(
    private readonly momentum: number,
    private readonly nesterov: boolean,
  ) {}

  step(variables: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number, decay: number): void {
    tf.tidy(() => {
      for (const v of variables) {
        let g = grads[v.name]!;
        if (decay > 0 && v.rank >= 2) g = tf.add(g, tf.mul(v, decay));
        if (this.momentum === 0) {
          v.assign(tf.sub(v, tf.mul(g, lr)));
          continue;
        }
        let b = this.buffers.get(v);
        if (b === undefined) {
          b = tf.variable(tf.zerosLike(v), false);
          this.buffers.set(v, b);
        }
        b.assign(tf.add(tf.mul(b, this.momentum), g));
        const direction = this.nesterov ? tf.add(g, tf.mul(b, this.momentum)) : b;
        v.assign(tf.sub(v, tf.mul(direction, lr)));
      }
    });
  }

  /** The buffers by weight key (`keyOf`: variable → key); the live tensors, not copies. */
  exportBuffers(keyOf: Map<tf.Tensor, string>): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [v, b] of this.buffers) {
      const key = keyOf.get(v);
      if (key === undefined) throw new Error(`momentum buffer of a variable the supernet does not list (${v.name})`);
      out[key] = b;
    }
    return out;
  }

  /** Restores buffers exported by `exportBuffers` (copies them). */
  importBuffers(buffers: tf.NamedTensorMap, variableOf: Map<string, tf.Variable>): void {
    for (const [key, value] of Object.entries(buffers)) {
      const v = variableOf.get(key);
      if (v === undefined) throw new NasInputError('resumeFrom', `momentum for ${key}, which is no weight of this supernet`);
      if (value.shape.join('x') !== v.shape.join('x'))
        throw new NasInputError('resumeFrom', `momentum for ${key} has shape ${value.shape.join('×')}, expected ${v.shape.join('×')}`);
      this.buffers.get(v)?.dispose();
      this.buffers.set(v, tf.variable(value, false));
    }
  }

  dispose(): void {
    tf.dispose([...this.buffers.values()]);
    this.buffers.clear();
  }
}

/** Trains the supernet in place, one uniformly drawn path per step. */
export async function trainSupernet(supernet: Supernet, options: SupernetTrainOptions): Promise<SupernetTrainResult> {
  const { batchSize, stepsPerEpoch } = checkOptions(options);
  const { train, epochs, seed } = options;
  const totalSteps = epochs * stepsPerEpoch;
  const schedule = options.schedule ?? { kind: 'cosine' };
  const optimizer = new PathSgd(options.momentum ?? 0.9, options.nesterov ?? false);
  const decay = options.weightDecay ?? 0;
  const resume = options.resumeFrom;
  if (resume !== undefined && !(Number.isInteger(resume.epoch) && resume.epoch >= 0 && resume.epoch <= epochs))
    throw new NasInputError('resumeFrom', `epoch ${resume.epoch} is not one of this run's 0…${epochs}`);
  const counts: Partial<Record<BlockOperator, number>> = { ...resume?.operatorCounts };
  const history: SupernetTrainResult['epochs'] = [...(resume?.history ?? [])];
  // This run's time only: a state holds no clock, so the same training always encodes the same bytes.
  const started = performance.now();
  // Weight keys both ways: checkpoints name momentum buffers by the supernet's stable keys.
  const weights = Object.entries(supernet.weights());
  const keyOf = new Map<tf.Tensor, string>(weights.map(([key, t]) => [t, key]));
  try {
    if (resume) optimizer.importBuffers(resume.momentum, new Map(weights.map(([key, t]) => [key, t as tf.Variable])));
    for (let epoch = resume?.epoch ?? 0; epoch < epochs; epoch++) {
      const epochStart = performance.now();
      const order = shuffledIndices(train.count, Rng.fromSeed(mixSeed(seed, epoch, ORDER_SALT)));
      let lossSum = 0;
      let correct = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        // Let timers run between steps (progress output, heartbeats, abort signals): the step's
        // awaits resolve as microtasks and would otherwise starve them for the whole run.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (options.signal?.aborted)
          throw options.signal.reason instanceof Error ? options.signal.reason : new Error('supernet training aborted');
        const step = epoch * stepsPerEpoch + s;
        const lr = learningRateAt(schedule, options.learningRate, step, totalSteps, stepsPerEpoch);
        const path = samplePath(supernet.operators, supernet.blocks, seed, step);
        for (const op of path) counts[op] = (counts[op] ?? 0) + 1;
        const batch = makeBatch(train, order.subarray(s * batchSize, (s + 1) * batchSize), {
          channels: supernet.spec.inputChannels,
          ...(options.augment ? { augment: options.augment, rng: Rng.fromSeed(mixSeed(seed, step, 0x61756700)) } : {}),
          ...options.normalize,
        });
        const trainable = supernet.trainableOf(path);
        // Dropout draws from a per-step seed, so a run is reproducible (as nos seeds its dropout).
        const dropout = supernet.layersOf(path).get('head.dropout') as { seed?: number } | undefined;
        if (dropout !== undefined) dropout.seed = mixSeed(seed, step, 0x64726f70);
        const x = tf.tensor4d(batch.x, [batch.n, batch.height, batch.width, batch.channels]);
        const y = tf.tensor1d(batch.y, 'int32');
        let correctT: tf.Scalar | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const logits = supernet.forward(x, path, { training: true });
          correctT = tf.keep(countCorrect(logits, y));
          return crossEntropy(logits, y, options.labelSmoothing ?? 0);
        }, trainable);
        optimizer.step(trainable, grads, lr, decay);
        const [loss, right] = await Promise.all([value.data(), correctT!.data()]);
        tf.dispose([x, y, value, correctT!, ...Object.values(grads)]);
        lossSum += loss[0]!;
        correct += right[0]!;
        options.onProgress?.({
          type: 'step',
          epoch,
          step,
          totalSteps,
          loss: loss[0]!,
          batchAccuracy: right[0]! / batch.n,
          learningRate: lr,
          path,
        });
      }
      const metrics = { epoch, trainLoss: lossSum / stepsPerEpoch, trainAccuracy: correct / (stepsPerEpoch * batchSize) };
      history.push(metrics);
      options.onProgress?.({ type: 'epoch', ...metrics, seconds: (performance.now() - epochStart) / 1000 });
      await options.onEpochEnd?.({
        epoch: epoch + 1,
        history: [...history],
        operatorCounts: { ...counts },
        momentum: optimizer.exportBuffers(keyOf),
      });
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: totalSteps, seconds: (performance.now() - started) / 1000, epochs: history, operatorCounts: counts };
}
